"""Bitget coin and network information: `GET /api/v2/spot/public/coins`.

Docs `spot/market/Get-Coin-List` (https://www.bitget.com/api-doc/spot/market/Get-Coin-List):
public, "3 times/1s (IP)", no signature. `data[]` per coin, `chains[]` per network with
`chain`, `withdrawFee`, `extraWithdrawFee` ("On chain destruction: 0.1 means 10%",
not counted here), `minWithdrawAmount`, `rechargeable`/`withdrawable` (Boolean in the
table, the text "true"/"false" in the example: both are read), `depositConfirm` and
`contractAddress`.
"""

from __future__ import annotations

import msgspec

from arbot.coininfo import CoinNetwork
from arbot.domain import Venue
from arbot.exchanges.coinwire import amount, count, decoded, flag, network

PATH = "/api/v2/spot/public/coins"


class _Chain(msgspec.Struct):
    chain: str
    withdrawFee: str
    minWithdrawAmount: str
    rechargeable: str | bool
    withdrawable: str | bool
    depositConfirm: str | int
    contractAddress: str | None = None


class _Coin(msgspec.Struct):
    coin: str
    chains: list[_Chain]


class _Answer(msgspec.Struct):
    data: list[_Coin]


_decode = msgspec.json.Decoder(_Answer)


def parse_coins(body: bytes) -> list[CoinNetwork]:
    coins = decoded(_decode, body, "coin list").data
    return [network(Venue.BITGET, c.coin, ch.chain, contract=ch.contractAddress or "",
                    fee=amount(ch.withdrawFee, "withdrawFee"),
                    minimum=amount(ch.minWithdrawAmount, "minWithdrawAmount"),
                    deposit=flag(ch.rechargeable, "rechargeable"),
                    withdraw=flag(ch.withdrawable, "withdrawable"),
                    confirmations=count(ch.depositConfirm, "depositConfirm"))
            for c in coins for ch in c.chains]
