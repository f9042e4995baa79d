"""Bybit coin and network information: `GET /v5/asset/coin/query-info`.

Docs `v5/asset/coin-info` (https://bybit-exchange.github.io/docs/v5/asset/coin-info):
signed like every private v5 call (the page's request example carries the X-BAPI-SIGN
headers), 5 requests/s (`v5/rate-limit`). `result.rows[]` per coin, `chains[]` per network
with `chain`, `withdrawFee` ("If withdraw fee is empty, It means that this coin does not
support withdrawal"), `withdrawMin`, `chainDeposit`/`chainWithdraw` ("0: suspend. 1:
normal", as text), `confirmation` and `contractAddress` ("" for none), all text.
"""

from __future__ import annotations

import msgspec

from arbot.coininfo import CoinNetwork
from arbot.domain import Venue
from arbot.exchanges.coinwire import amount, count, decoded, flag, network
from arbot.exchanges.signing import Credentials, SignedRequest
from arbot.venues.bybit.rest import _signed

PATH = "/v5/asset/coin/query-info"


class _Chain(msgspec.Struct):
    chain: str
    withdrawFee: str
    withdrawMin: str
    chainDeposit: str
    chainWithdraw: str
    confirmation: str
    contractAddress: str = ""


class _Row(msgspec.Struct):
    coin: str
    chains: list[_Chain]


class _Result(msgspec.Struct):
    rows: list[_Row]


class _Answer(msgspec.Struct):
    result: _Result


_decode = msgspec.json.Decoder(_Answer)


def sign_coins(creds: Credentials, ts_ms: int) -> SignedRequest:
    return _signed(creds, "GET", PATH, {}, ts_ms)


def parse_coins(body: bytes) -> list[CoinNetwork]:
    rows = decoded(_decode, body, "coin list").result.rows
    out = []
    for row in rows:
        for c in row.chains:
            # An empty fee is the venue's way of saying withdrawals are not supported.
            withdrawable = c.withdrawFee != "" and flag(c.chainWithdraw, "chainWithdraw")
            out.append(network(
                Venue.BYBIT, row.coin, c.chain, contract=c.contractAddress,
                fee=amount(c.withdrawFee, "withdrawFee") if c.withdrawFee else 0.0,
                minimum=amount(c.withdrawMin or "0", "withdrawMin"),
                deposit=flag(c.chainDeposit, "chainDeposit"), withdraw=withdrawable,
                confirmations=count(c.confirmation, "confirmation")))
    return out
