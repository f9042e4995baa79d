"""Bitget v2 spot signed-REST answers: wire Structs and their parsers.

Shapes from the official docs (`https://www.bitget.com/api-doc/spot/trade/Place-Order`,
`.../Cancel-Order`, `.../Get-Order-Info`, `.../spot/account/Get-Account-Assets`,
`.../common/public/Get-Trade-Rate`), read from `rosssaunders/coincise`
`docs/bitget/endpoints/private/*.md` and quoted in `../shared/protocols.md` §4.6. Every
answer is `{"code":"00000","msg":"success","requestTime":..,"data":..}` (the assets page
says `message` instead of `msg`; neither is read here). Numbers are strings.
"""

from __future__ import annotations

import msgspec

from arbot.domain import Balance, FeeRates, OrderReport, OrderStatus
from arbot.exchanges.orderwire import (
    OrderRef,
    acknowledged,
    charged,
    num,
    received_asset,
    side_of,
    status_of,
)

Num = str | float  # decimal text, or a JSON number (feeDetail's inner values are numbers)

# Get-Order-Info `status`; `init`/`new` are the names older v2 pages list for an open order.
_STATUS = {
    "live": OrderStatus.NEW,
    "new": OrderStatus.NEW,
    "init": OrderStatus.NEW,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "cancelled": OrderStatus.CANCELED,
}


class _Ack(msgspec.Struct):
    orderId: str = ""
    clientOid: str = ""


class _AckResponse(msgspec.Struct):
    data: _Ack


_ack = msgspec.json.Decoder(_AckResponse)


def parse_ack(body: bytes, ref: OrderRef) -> OrderReport:
    """Place and cancel answer alike: `{"code":"00000","msg":"success","requestTime":
    1695808949356,"data":{"orderId":"1001","clientOid":"121211212122"}}`."""
    d = _ack.decode(body).data
    return acknowledged(ref, d.orderId, d.clientOid)


class _FeeEntry(msgspec.Struct):
    """One value of the `feeDetail` object: `newFees` has `t` ("The total fee amount to
    be paid, unit: currency obtained from the transaction"), negative for a charge;
    entries keyed by a coin (older orders only) have `feeCoinCode` and `totalFee`."""

    t: Num | None = None
    feeCoinCode: str = ""
    totalFee: Num | None = None


_fee_detail = msgspec.json.Decoder(dict[str, _FeeEntry])


class _Order(msgspec.Struct):
    status: str
    orderId: str = ""
    clientOid: str = ""
    side: str = ""
    priceAvg: Num = ""
    baseVolume: Num = ""
    feeDetail: str = ""


class _OrdersResponse(msgspec.Struct):
    data: list[_Order] | None = None


_orders = msgspec.json.Decoder(_OrdersResponse)


def parse_status(body: bytes, ref: OrderRef) -> OrderReport | None:
    """`GET /api/v2/spot/trade/orderInfo?clientOid=..` (doc example, trimmed)::

        {"code":"00000","msg":"success","requestTime":1695865476577,"data":[{"userId":
         "**********","symbol":"BTCUSDT","orderId":"121211212122","clientOid":
         "121211212122","price":"0","size":"10.0000000000000000","orderType":"market",
         "side":"buy","status":"filled","priceAvg":"13000.0000000000000000","baseVolume":
         "0.0007000000000000","quoteVolume":"9.1000000000000000","feeDetail":"{\\"BGB\\":
         {\\"deduction\\":true,\\"feeCoinCode\\":\\"BGB\\",\\"totalDeductionFee\\":-0.0041,
         \\"totalFee\\":-0.0041},\\"newFees\\":{\\"c\\":0,\\"d\\":0,\\"deduction\\":false,
         \\"r\\":-0.112079256,\\"t\\":-0.112079256,\\"totalDeductionFee\\":0}}",...}]}

    An empty `data` is no such order. `feeDetail` is JSON inside a string.
    """
    data = _orders.decode(body).data
    if not data:
        return None
    o = data[0]
    qty = num(o.baseVolume)
    fee, fee_asset = _fee(o.feeDetail, o.side, ref)
    return OrderReport(o.clientOid or ref.client_id, o.orderId, status_of(_STATUS, o.status),
                       filled_qty=qty, avg_price=num(o.priceAvg) if qty > 0 else 0.0,
                       fee=fee, fee_asset=fee_asset)


def _fee(detail: str, side: str, ref: OrderRef) -> tuple[float, str]:
    """(fee charged, asset) from `feeDetail`. `newFees` is the current form: its total
    `t` is in the currency the order received (part of it may have been paid in BGB, `d`).
    Without it ("earlier historical data") the coin-keyed entry names its own coin."""
    if not detail:
        return 0.0, ""
    entries = _fee_detail.decode(detail)
    new = entries.get("newFees")
    if new is not None and new.t is not None:
        fee = charged(new.t)
        return fee, received_asset(side_of(side), ref) if fee else ""
    for coin, entry in entries.items():
        if coin != "newFees" and entry.totalFee is not None:
            return charged(entry.totalFee), entry.feeCoinCode or coin
    return 0.0, ""


class _Asset(msgspec.Struct):
    coin: str
    available: Num = ""
    frozen: Num = ""
    locked: Num = ""


class _AssetsResponse(msgspec.Struct):
    data: list[_Asset]


_assets = msgspec.json.Decoder(_AssetsResponse)


def parse_balances(body: bytes) -> dict[str, Balance]:
    """`GET /api/v2/spot/account/assets`: `{"code":"00000","message":"success",
    "requestTime":1695808949356,"data":[{"coin":"usdt","available":"0","frozen":"0",
    "locked":"0","limitAvailable":"0","uTime":"1622697148"}]}`. `frozen` is held by open
    orders, `locked` by other programmes (fiat merchants); both are not free. Coin names
    can be lower case (the doc example is), so they are upper-cased."""
    return {a.coin.upper(): Balance(a.coin.upper(), num(a.available),
                                    num(a.frozen) + num(a.locked))
            for a in _assets.decode(body).data}


class _Rates(msgspec.Struct):
    makerFeeRate: Num
    takerFeeRate: Num


class _RatesResponse(msgspec.Struct):
    data: _Rates


_rates = msgspec.json.Decoder(_RatesResponse)


def parse_fee_rates(body: bytes, venue_symbol: str) -> FeeRates:
    """`GET /api/v2/common/trade-rate?businessType=spot&symbol=..`: `{"code":"00000",
    "msg":"success","requestTime":1683875302853,"data":{"makerFeeRate":"0.0002",
    "takerFeeRate":"0.0006"}}`, "Fractional form", charged."""
    r = _rates.decode(body).data
    return FeeRates(maker=num(r.makerFeeRate), taker=num(r.takerFeeRate))
