"""Binance spot as the simulator speaks it (binance-spot-api-docs, web-socket-streams.md).

Raw streams at `/ws` (and `/ws/<stream>`), combined streams at `/stream?streams=a/b`,
live `SUBSCRIBE` on both. Binance acknowledges a SUBSCRIBE for a symbol it does not
list with `{"result":null,"id":N}` and then sends nothing; the simulator does the same.
Heartbeat is at the WebSocket level: the server pings, the client must echo the payload.

Depth is the "Diff. Depth Stream" `<symbol>@depth@100ms` (web-socket-streams.md): a
`depthUpdate` every 100 ms when the book changed, its `U`..`u` the update ids it covers,
no snapshot on subscribing; the snapshot is `GET /api/v3/depth` (rest-api.md, "Order book"),
whose `lastUpdateId` comes from the same book, so "How to manage a local order book
correctly" works against it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from arbot.domain import Venue
from arbot.sim.depthbook import DepthEvent
from arbot.sim.instruments import SymbolSpec, decimal_text
from arbot.sim.wire import (
    INVALID,
    Book,
    Ctx,
    JsonObj,
    Outcome,
    RestHandler,
    RestReply,
    RestRequest,
    Sub,
    VenueProtocol,
    dumps,
    loads,
)

CHANNEL = "bookTicker"
DEPTH_CHANNEL = "depth@100ms"
DEPTH_LIMIT_MAX = 5000  # rest-api.md "Order book": "If limit > 5000, ... 5000"
_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_ID_RE = re.compile(r"^[A-Za-z0-9]{1,36}$")
_MISSING = object()


def _error(code: int, msg: str, req_id: object = _MISSING) -> bytes:
    frame: JsonObj = {"code": code, "msg": msg}
    if req_id is not _MISSING:
        frame["id"] = req_id
    return dumps(frame)


def _valid_id(value: object) -> bool:
    """Documented: a 64-bit signed integer, an alphanumeric string of up to 36, or null."""
    if value is None:
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    return isinstance(value, str) and bool(_ID_RE.match(value))


class BinanceProtocol(VenueProtocol):
    venue = Venue.BINANCE
    # The first is the default URL: raw `/ws`, which takes live SUBSCRIBE requests.
    ws_paths = ("/ws", "/ws/{tail}", "/stream")
    numbers = "pad8"
    server_pings = True
    quote_keys: ClassVar[tuple[str, ...]] = ("s", "b", "B", "a", "A")
    # "Individual Symbol Book Ticker Streams": "Pushes any update to the best bid or ask's
    # price or quantity in real-time"; no snapshot on subscribing is documented.
    initial_snapshot: ClassVar[bool] = False
    depth_push_ms: ClassVar[int] = 100
    depth_snapshot: ClassVar[bool] = False

    @staticmethod
    def venue_id(spec: SymbolSpec) -> str:
        return f"{spec.base}{spec.quote}"

    def open(self, path_tail: str, query: Mapping[str, str], ctx: Ctx) -> list[Sub]:
        """`/stream?streams=a/b` is combined (wrapped); `/ws/a/b` is raw."""
        if path_tail.startswith("/stream"):
            ctx.combined = True
            names = query.get("streams", "")
        else:
            names = path_tail.removeprefix("/ws").strip("/")
        return [self._sub(n, ctx) for n in dict.fromkeys(names.split("/")) if n]

    def _sub(self, name: str, ctx: Ctx) -> Sub:
        """Only `<lowercase symbol>@bookTicker` and `<lowercase symbol>@depth@100ms` of a
        listed symbol ever push; any other name is accepted and stays silent, as on the
        real venue."""
        sym, _, channel = name.partition("@")
        spec = ctx.lookup.get(sym.upper()) if sym == sym.lower() else None
        if spec is None or channel not in (CHANNEL, DEPTH_CHANNEL):
            return Sub(name, "", channel, sym.upper(), name)
        return Sub(name, spec.symbol, channel, sym.upper(), name, channel == DEPTH_CHANNEL)

    def handle(self, text: str, ctx: Ctx) -> Outcome:
        obj = loads(text)
        if obj is INVALID:
            return Outcome([_error(3, "Invalid JSON: expected value at line 1 column 1")], errors=1)
        if not isinstance(obj, dict):
            return Outcome([_error(2, "Invalid request: expected a JSON object")], errors=1)
        if "method" not in obj:
            return Outcome([_error(2, "Invalid request: missing field `method`")], errors=1)
        req_id = obj.get("id", _MISSING)
        if req_id is _MISSING or not _valid_id(req_id):
            return Outcome([_error(2, "Invalid request: request ID must be an unsigned integer")],
                           errors=1)
        method = obj["method"]
        if method not in _METHODS:
            expected = ", ".join(f"`{m}`" for m in _METHODS)
            msg = f"Invalid request: unknown variant `{method}`, expected one of {expected}"
            return Outcome([_error(2, msg, req_id)], errors=1)
        params: Any = obj.get("params", [])
        if not isinstance(params, list):
            return Outcome([_error(2, "Invalid request: params must be an array", req_id)],
                           errors=1)
        return self._method(str(method), params, req_id, ctx)

    def _method(self, method: str, params: list[Any], req_id: object, ctx: Ctx) -> Outcome:
        ok = dumps({"result": None, "id": req_id})
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not all(isinstance(p, str) for p in params):
                msg = "Invalid request: invalid type: expected a stream name string"
                return Outcome([_error(2, msg, req_id)], errors=1)
            if method == "UNSUBSCRIBE":
                return Outcome([ok], remove=[p for p in params if p in ctx.subs])
            if ctx.refuse:
                msg = "Invalid request: subscription refused (simulated fault)"
                return Outcome([_error(2, msg, req_id)], errors=1)
            new = [self._sub(p, ctx) for p in dict.fromkeys(params) if p not in ctx.subs]
            return Outcome([ok], add=new)
        if method == "LIST_SUBSCRIPTIONS":
            return Outcome([dumps({"result": list(ctx.subs), "id": req_id})])
        name = params[0] if params else None
        if not isinstance(name, str):
            return Outcome([_error(2, "Invalid request: property name must be a string", req_id)],
                           errors=1)
        if name != "combined":
            return Outcome([_error(0, "Unknown property", req_id)], errors=1)
        if method == "GET_PROPERTY":
            return Outcome([dumps({"result": ctx.combined, "id": req_id})])
        value = params[1] if len(params) > 1 else None
        if not isinstance(value, bool):
            return Outcome([_error(1, "Invalid value type: expected Boolean", req_id)], errors=1)
        ctx.combined = value
        return Outcome([ok])

    def push(self, sub: Sub, book: Book, ctx: Ctx) -> JsonObj:
        data: JsonObj = {"u": book.update_id, "s": book.venue_id, "b": book.bid_px,
                         "B": book.bid_sz, "a": book.ask_px, "A": book.ask_sz}
        return {"stream": sub.key, "data": data} if ctx.combined else data

    def depth_push(self, sub: Sub, event: DepthEvent, ctx: Ctx) -> JsonObj:
        data: JsonObj = {"e": "depthUpdate", "E": event.stamp_ms, "s": sub.venue_id,
                         "U": event.first_id, "u": event.update_id, "b": event.bids,
                         "a": event.asks}
        return {"stream": sub.key, "data": data} if ctx.combined else data

    def payload(self, frame: JsonObj, ctx: Ctx) -> JsonObj:
        inner: JsonObj = frame["data"] if ctx.combined else frame
        return inner

    def shutdown_notice(self, ctx: Ctx) -> bytes | None:
        data = {"e": "serverShutdown", "E": ctx.now_ms()}
        return dumps({"stream": "!serverShutdown", "data": data} if ctx.combined else data)

    def rest_routes(self) -> Mapping[str, RestHandler]:
        return {"/api/v3/time": _time, "/api/v3/exchangeInfo": _exchange_info,
                "/api/v3/depth": _depth, "/api/v3/avgPrice": _avg_price}


def _time(req: RestRequest) -> RestReply:
    return 200, {"serverTime": req.now_ms}


_INVALID_SYMBOL = (400, {"code": -1121, "msg": "Invalid symbol."})


def _symbol_spec(req: RestRequest) -> SymbolSpec | RestReply:
    """The listed symbol the required `symbol` parameter names, or Binance's answer to a
    missing one (-1102) or an unlisted one (-1121)."""
    symbol = req.query.get("symbol")
    if not symbol:
        return 400, {"code": -1102, "msg": "Mandatory parameter 'symbol' was not sent, was "
                     "empty/null, or malformed."}
    spec = next((s for s in req.specs if BinanceProtocol.venue_id(s) == symbol), None)
    return _INVALID_SYMBOL if spec is None else spec


def _depth(req: RestRequest) -> RestReply:
    """`symbol` (required) and `limit` (default 100, at most 5000; the book holds 50 a
    side); the levels and `lastUpdateId` of the book the diff stream pushes."""
    spec = _symbol_spec(req)
    if not isinstance(spec, SymbolSpec):
        return spec
    if req.book is None:
        return _INVALID_SYMBOL
    raw = req.query.get("limit", "100")
    if not raw.isdigit():
        return 400, {"code": -1100, "msg": "Illegal characters found in parameter 'limit'; "
                     "legal range is '^[0-9]{1,20}$'."}
    book = req.book(spec, min(max(int(raw), 1), DEPTH_LIMIT_MAX))
    return 200, {"lastUpdateId": book.update_id, "bids": book.bids, "asks": book.asks}


def _avg_price(req: RestRequest) -> RestReply:
    """`rest-api.md`, "Current average price": `{"mins", "price", "closeTime"}`. The
    simulator keeps no trade history: its average is its book's mid now, the price its
    own PERCENT_PRICE_BY_SIDE check (`sim_private`) measures from."""
    spec = _symbol_spec(req)
    if not isinstance(spec, SymbolSpec):
        return spec
    if req.book is None:
        return _INVALID_SYMBOL
    book = req.book(spec, 1)
    if not (book.bids and book.asks):
        return _INVALID_SYMBOL
    mid = (Decimal(book.bids[0][0]) + Decimal(book.asks[0][0])) / 2
    dp = spec.rules[Venue.BINANCE].price_dp
    return 200, {"mins": AVG_PRICE_MINS, "price": _pad8(f"{mid:.{dp}f}"),
                 "closeTime": req.now_ms}


def _exchange_info(req: RestRequest) -> RestReply:
    """`symbol`, `symbols` (a JSON array), `permissions` and `symbolStatus` filter it."""
    by_id = {BinanceProtocol.venue_id(s): s for s in req.specs}
    q = req.query
    if "symbol" in q and "symbols" in q:
        return 400, {"code": -1128, "msg": "Combination of optional parameters invalid."}
    wanted: list[str] | None = None
    if "symbol" in q:
        wanted = [q["symbol"]]
    elif "symbols" in q:
        parsed = loads(q["symbols"])
        if not isinstance(parsed, list) or not all(isinstance(x, str) for x in parsed):
            return 400, {"code": -1100, "msg": "Illegal characters found in parameter 'symbols'."}
        wanted = [str(x) for x in parsed]
    if wanted is not None and any(w not in by_id for w in wanted):
        return _INVALID_SYMBOL
    specs = [by_id[w] for w in wanted] if wanted is not None else list(req.specs)
    perms = q.get("permissions", "SPOT")
    status = q.get("symbolStatus", "TRADING")
    if "SPOT" not in perms or status != "TRADING":
        specs = []
    return 200, {
        "timezone": "UTC",
        "serverTime": req.now_ms,
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": 6000},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
            {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
            {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5,
             "limit": 61000},
        ],
        "exchangeFilters": [],
        "symbols": [_symbol(s) for s in specs],
    }


# `filters.md`, PERCENT_PRICE_BY_SIDE, the page's own example: a buy within 0.2..1.2 and
# a sell within 0.8..5 times the average price. The simulator averages nothing: its
# reference is the displayed mid now, as `avgPriceMins` 0 would use the last price.
PRICE_BAND = {"bidMultiplierUp": "1.2", "bidMultiplierDown": "0.2",
              "askMultiplierUp": "5", "askMultiplierDown": "0.8"}
AVG_PRICE_MINS = 1


def _symbol(spec: SymbolSpec) -> JsonObj:
    r = spec.rules[Venue.BINANCE]
    tick = decimal_text(r.price_dp, "pad8")
    return {
        "symbol": BinanceProtocol.venue_id(spec),
        "status": "TRADING",
        "baseAsset": spec.base,
        "baseAssetPrecision": 8,
        "quoteAsset": spec.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "1000000.00000000",
             "tickSize": tick},
            {"filterType": "LOT_SIZE", "minQty": _pad8(r.min_qty), "maxQty": "9000.00000000",
             "stepSize": decimal_text(r.qty_dp, "pad8")},
            {"filterType": "NOTIONAL", "minNotional": _pad8(r.min_notional),
             "applyMinToMarket": True, "maxNotional": "9000000.00000000",
             "applyMaxToMarket": False, "avgPriceMins": 5},
            {"filterType": "PERCENT_PRICE_BY_SIDE", **PRICE_BAND,
             "avgPriceMins": AVG_PRICE_MINS},
        ],
        "permissions": ["SPOT"],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def _pad8(text: str) -> str:
    """A plain decimal string padded to Binance's 8 places ("5" -> "5.00000000")."""
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(8, '0')}"


PROTOCOL = BinanceProtocol
