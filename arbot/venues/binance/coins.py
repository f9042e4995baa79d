"""Binance coin and network information: `GET /sapi/v1/capital/config/getall`.

Wallet docs, "All Coins' Information (USER_DATA)"
(https://developers.binance.com/docs/wallet/capital): SIGNED, "Request Weight(IP) 10";
the answer is a list of coins, each with `networkList[]` giving per network `network`,
`withdrawFee`, `withdrawMin` (text), `depositEnable`, `withdrawEnable` (booleans),
`minConfirm` (a number), `contractAddress` and `estimatedArrivalTime` (minutes).
"""

from __future__ import annotations

import msgspec

from arbot.coininfo import CoinNetwork
from arbot.domain import Venue
from arbot.exchanges.coinwire import amount, count, decoded, network
from arbot.exchanges.signing import Credentials, SignedRequest
from arbot.venues.binance.rest import _signed

PATH = "/sapi/v1/capital/config/getall"
WEIGHT = 10


class _Network(msgspec.Struct):
    network: str
    withdrawFee: str
    withdrawMin: str
    depositEnable: bool
    withdrawEnable: bool
    minConfirm: int
    contractAddress: str = ""
    estimatedArrivalTime: float = 0.0


class _Coin(msgspec.Struct):
    coin: str
    networkList: list[_Network]


_decode = msgspec.json.Decoder(list[_Coin])


def sign_coins(creds: Credentials, ts_ms: int) -> SignedRequest:
    return _signed(creds, "GET", PATH, {}, ts_ms)


def parse_coins(body: bytes) -> list[CoinNetwork]:
    """Every coin's networks; ValueError on an answer that is not the documented shape."""
    coins = decoded(_decode, body, "coin list")
    return [network(Venue.BINANCE, c.coin, n.network, contract=n.contractAddress,
                    fee=amount(n.withdrawFee, "withdrawFee"),
                    minimum=amount(n.withdrawMin, "withdrawMin"),
                    deposit=n.depositEnable, withdraw=n.withdrawEnable,
                    confirmations=count(n.minConfirm, "minConfirm"),
                    minutes=amount(n.estimatedArrivalTime, "estimatedArrivalTime"))
            for c in coins for n in c.networkList]
