"""OKX v5 spot signed-REST answers: wire Structs and their parsers.

Shapes from the official docs (`https://www.okx.com/docs-v5/en/`: "POST / Place order",
"POST / Cancel order", "GET / Order details", "Get balance", "Get fee rates"), read from
public copies (`rosssaunders/coincise` `docs/okx/...`) and quoted in
`../shared/protocols.md` §3.6; ccxt's recorded answers (`ccxt/ccxt`
`ts/src/test/static/response/okx.json`) have the same fields. Every answer is
`{"code":"0","msg":"","data":[..]}` with all numbers as strings, "" where there is none
yet (`avgPx` before a fill). A refused order comes as `code` "1" with the cause in
`data[0].sCode`; the adapter's ErrorTable turns that into a RestError before these
parsers run.
"""

from __future__ import annotations

import msgspec

from arbot.domain import Balance, FeeRates, OrderReport, OrderStatus
from arbot.exchanges.orderwire import OrderRef, acknowledged, charged, num, status_of

Num = str | float  # decimal text, or a JSON number from a lenient server

# "GET / Order details" `state`.
_STATUS = {
    "live": OrderStatus.NEW,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "mmp_canceled": OrderStatus.CANCELED,
}


class _Ack(msgspec.Struct):
    ordId: str = ""
    clOrdId: str = ""


class _AckResponse(msgspec.Struct):
    data: list[_Ack]


_ack = msgspec.json.Decoder(_AckResponse)


def parse_ack(body: bytes, ref: OrderRef) -> OrderReport:
    """Place and cancel answer alike; cancel's sCode 0 means "accepted", not yet canceled::

        {"code":"0","msg":"","data":[{"clOrdId":"oktswap6","ordId":"312269865356374016",
         "tag":"","ts":"1695190491421","sCode":"0","sMsg":"","subCode":""}],
         "inTime":"1695190491421339","outTime":"1695190491423240"}
    """
    data = _ack.decode(body).data
    if not data:
        raise ValueError("okx order answer: empty data")
    return acknowledged(ref, data[0].ordId, data[0].clOrdId)


class _Order(msgspec.Struct):
    state: str
    ordId: str = ""
    clOrdId: str = ""
    accFillSz: Num = ""
    avgPx: Num = ""
    fee: Num = ""
    feeCcy: str = ""


class _OrdersResponse(msgspec.Struct):
    data: list[_Order]


_orders = msgspec.json.Decoder(_OrdersResponse)


def parse_status(body: bytes, ref: OrderRef) -> OrderReport | None:
    """`GET /api/v5/trade/order?clOrdId=..&instId=..` (doc example, trimmed)::

        {"code":"0","data":[{"accFillSz":"0.00192834","avgPx":"51858","clOrdId":"",
         "fee":"-0.00000192834","feeCcy":"BTC","instId":"BTC-USDT","instType":"SPOT",
         "ordId":"680800019749904384","ordType":"market","side":"buy","state":"filled",
         "sz":"100","tdMode":"cash",...}],"msg":""}

    `fee` "is always negative" for a spot charge (positive is a rebate), so the report's
    fee is its negation: a charge is positive, a rebate negative.
    """
    data = _orders.decode(body).data
    if not data:
        return None
    o = data[0]
    qty = num(o.accFillSz)
    fee = charged(o.fee)
    return OrderReport(o.clOrdId or ref.client_id, o.ordId, status_of(_STATUS, o.state),
                       filled_qty=qty, avg_price=num(o.avgPx) if qty > 0 else 0.0,
                       fee=fee, fee_asset=o.feeCcy if fee else "")


class _Detail(msgspec.Struct):
    ccy: str
    availBal: Num = ""
    frozenBal: Num = ""


class _Account(msgspec.Struct):
    details: list[_Detail] = []


class _BalanceResponse(msgspec.Struct):
    data: list[_Account]


_balance = msgspec.json.Decoder(_BalanceResponse)


def parse_balances(body: bytes) -> dict[str, Balance]:
    """`GET /api/v5/account/balance`: `data[0].details[]` with `ccy`, `availBal` (free)
    and `frozenBal` (held by orders), among many others (`cashBal`, `eq`, ...)."""
    return {d.ccy.upper(): Balance(d.ccy.upper(), num(d.availBal), num(d.frozenBal))
            for account in _balance.decode(body).data for d in account.details}


class _Fee(msgspec.Struct):
    maker: Num = ""
    taker: Num = ""
    makerUSDC: Num = ""
    takerUSDC: Num = ""
    instType: str = ""


class _FeeResponse(msgspec.Struct):
    data: list[_Fee]


_fees = msgspec.json.Decoder(_FeeResponse)


def parse_fee_rates(body: bytes, venue_symbol: str) -> FeeRates:
    """`GET /api/v5/account/trade-fee?instId=..&instType=SPOT`::

        {"code":"0","msg":"","data":[{"category":"1","delivery":"","exercise":"",
         "instType":"SPOT","level":"lv1","maker":"-0.0008","makerU":"","makerUSDC":"",
         "taker":"-0.001","takerU":"","takerUSDC":"","ts":"1608623351857","fiat":[]}]}

    For SPOT, `maker`/`taker` are "the USDT trading pairs" and `makerUSDC`/`takerUSDC`
    "the USDⓈ&Crypto trading pairs" (every other quote). "positive number, which means
    the rate of rebate; negative number, which means the rate of commission", so the
    sign is flipped into FeeRates' fractions charged.
    """
    data = _fees.decode(body).data
    if not data:
        raise ValueError(f"okx trade-fee: no rates for {venue_symbol}")
    f = data[0]
    maker, taker = f.maker, f.taker
    if venue_symbol.rpartition("-")[2] != "USDT" and f.makerUSDC != "" and f.takerUSDC != "":
        maker, taker = f.makerUSDC, f.takerUSDC
    if maker == "" or taker == "":
        raise ValueError(f"okx trade-fee: empty rate for {venue_symbol}")
    return FeeRates(maker=charged(maker), taker=charged(taker))
