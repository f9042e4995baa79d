"""OKX coin and network information: `GET /api/v5/asset/currencies`.

Docs "Funding account / Get currencies"
(https://www.okx.com/docs-v5/en/#funding-account-rest-api-get-currencies): private,
"Permission: Read", 6 requests/s. One row per (ccy, chain) in `data[]`: `chain` is
`<ccy>-<network>` (e.g. `USDT-ERC20`), `fee` "The fixed withdrawal fee" (`minFee` and
`maxFee` are deprecated), `minWd`, `canDep`/`canWd` (booleans), `minDepArrivalConfirm`
and `ctAddr`, numbers as text.
"""

from __future__ import annotations

import msgspec

from arbot.coininfo import CoinNetwork
from arbot.domain import Venue
from arbot.exchanges.coinwire import amount, count, decoded, network
from arbot.exchanges.signing import Credentials, SignedRequest
from arbot.venues.okx.rest import _signed

PATH = "/api/v5/asset/currencies"


class _Row(msgspec.Struct):
    ccy: str
    chain: str
    fee: str
    minWd: str
    canDep: bool
    canWd: bool
    minDepArrivalConfirm: str
    ctAddr: str = ""


class _Answer(msgspec.Struct):
    data: list[_Row]


_decode = msgspec.json.Decoder(_Answer)


def sign_coins(creds: Credentials, ts_ms: int) -> SignedRequest:
    return _signed(creds, "GET", PATH, {}, ts_ms)


def parse_coins(body: bytes) -> list[CoinNetwork]:
    rows = decoded(_decode, body, "currency list").data
    return [network(Venue.OKX, r.ccy, r.chain, contract=r.ctAddr,
                    fee=amount(r.fee, "fee"), minimum=amount(r.minWd, "minWd"),
                    deposit=r.canDep, withdraw=r.canWd,
                    confirmations=count(r.minDepArrivalConfirm, "minDepArrivalConfirm"))
            for r in rows]
