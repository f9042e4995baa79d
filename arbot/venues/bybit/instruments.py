"""Bybit v5 spot public REST answers: the instruments list and the server clock."""

from __future__ import annotations

import msgspec

from arbot.domain import Instrument, Venue

INSTRUMENTS_PATH = "/v5/market/instruments-info?category=spot&limit=1000"
TIME_PATH = "/v5/market/time"


def instruments(body: str | bytes) -> list[Instrument]:
    """One page of instruments (up to 1000; the spot list is ~600 symbols)."""
    resp = msgspec.json.decode(body, type=_InstrumentsResponse)
    if resp.retCode != 0 or resp.result is None:
        raise ValueError(f"bybit instruments: error {resp.retCode}: {resp.retMsg}")
    return [_instrument(s) for s in resp.result.items]


def server_time(body: str | bytes) -> int:
    """`GET /v5/market/time`: `{"retCode":0,"retMsg":"OK","result":{"timeSecond":
    "1688639403","timeNano":"1688639403423213947"},"retExtInfo":{},"time":1688639403423}`;
    `timeNano` keeps the milliseconds that `timeSecond` drops."""
    return msgspec.json.decode(body, type=_TimeResponse, strict=False).result.timeNano \
        // 1_000_000


class _TimeResult(msgspec.Struct):
    timeNano: int


class _TimeResponse(msgspec.Struct):
    result: _TimeResult


class _LotSizeFilter(msgspec.Struct):
    basePrecision: str
    minOrderQty: str
    minOrderAmt: str = "0"


class _PriceFilter(msgspec.Struct):
    tickSize: str


class _Symbol(msgspec.Struct):
    symbol: str
    baseCoin: str
    quoteCoin: str
    status: str
    lotSizeFilter: _LotSizeFilter
    priceFilter: _PriceFilter


class _Result(msgspec.Struct):
    items: list[_Symbol] = msgspec.field(name="list")
    nextPageCursor: str = ""


class _InstrumentsResponse(msgspec.Struct):
    retCode: int
    retMsg: str = ""
    result: _Result | None = None


def _instrument(s: _Symbol) -> Instrument:
    return Instrument(
        venue=Venue.BYBIT,
        symbol=f"{s.baseCoin}-{s.quoteCoin}",
        venue_id=s.symbol,
        base=s.baseCoin,
        quote=s.quoteCoin,
        tick_size=s.priceFilter.tickSize,
        lot_size=s.lotSizeFilter.basePrecision,
        min_qty=s.lotSizeFilter.minOrderQty,
        min_notional=s.lotSizeFilter.minOrderAmt,
        status=s.status,
        trading=s.status == "Trading",
    )
