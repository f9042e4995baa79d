"""Bitget v2 spot as the simulator speaks it (bitget.com/api-doc: websocket-intro,
spot/websocket/public Depth-Channel and Tickers-Channel, spot/market Get-Symbols,
common/public Get-Server-Time).

L1 is `books1` (snapshot each push, `checksum` 0) or `ticker`. Acks echo the arg; an
unknown instrument gets error 30001 "... doesn't exist" with the arg and op, as
captured from the real venue. Heartbeat: text `ping` -> `pong`; the server drops a
client that has not pinged for two minutes, whatever data it is receiving.

Depth is `books` (spot/websocket/public Depth-Channel): `snapshot` first, then `update`s
every 200 ms when the book changed, `seq` increasing by one a push, `checksum` the signed
CRC32 of the first 25 bids and asks over the original strings ("DO use the original
value").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from arbot.domain import Venue
from arbot.sim.depthbook import DepthEvent
from arbot.sim.instruments import SymbolSpec
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
    str_field,
)
from arbot.venues.bitget import sim_coins

DEPTH_CHANNEL = "books"
CHANNELS = ("books1", "ticker", DEPTH_CHANNEL)
INST_TYPE = "SPOT"


def _error(code: int, msg: str, **extra: object) -> bytes:
    frame: JsonObj = {"event": "error"}
    if "arg" in extra:
        frame["arg"] = extra.pop("arg")
    frame.update({"code": code, "msg": msg}, **extra)
    return dumps(frame)


class BitgetProtocol(VenueProtocol):
    venue = Venue.BITGET
    ws_paths = ("/v2/ws/public",)
    numbers = "fixed"
    quote_keys: ClassVar[tuple[str, ...]] = ("asks", "bids", "askPr", "bidPr", "askSz", "bidSz")
    depth_push_ms: ClassVar[int] = 200
    book_checksum: ClassVar[bool] = True

    @staticmethod
    def venue_id(spec: SymbolSpec) -> str:
        return f"{spec.base}{spec.quote}"

    def handle(self, text: str, ctx: Ctx) -> Outcome:
        if text == "ping":
            return Outcome([b"pong"], ping=True)
        obj = loads(text)
        op = str_field(obj, "op")
        if obj is INVALID or not isinstance(obj, dict) or op not in ("subscribe", "unsubscribe"):
            return Outcome([_error(30002, f"Unrecognized request: {text}")], errors=1)
        args = obj.get("args")
        if not isinstance(args, list) or not args or not all(isinstance(a, dict) for a in args):
            return Outcome([_error(30016, "Param error", op=op)], errors=1)
        if op == "unsubscribe":
            out = Outcome([dumps({"event": "unsubscribe", "arg": a}) for a in args])
            out.remove = [f"{a.get('channel')}:{a.get('instId')}" for a in args]
            return out
        if ctx.refuse:
            return Outcome([_error(30006, "request too many", op=op)], errors=1)
        return self._subscribe(args, ctx)

    def _subscribe(self, args: list[JsonObj], ctx: Ctx) -> Outcome:
        out = Outcome()
        for arg in args:
            inst_type = str_field(arg, "instType")
            channel, inst_id = str_field(arg, "channel"), str_field(arg, "instId")
            spec = ctx.lookup.get(inst_id or "")
            if inst_type != INST_TYPE or channel not in CHANNELS or spec is None:
                msg = (f"instType:{arg.get('instType')},channel:{arg.get('channel')},"
                       f"instId:{arg.get('instId')} doesn't exist")
                out.replies.append(_error(30001, msg, arg=arg, op="subscribe"))
                out.errors += 1
                continue
            push_arg = {"instType": INST_TYPE, "channel": channel, "instId": inst_id}
            out.replies.append(dumps({"event": "subscribe", "arg": push_arg}))
            key = f"{channel}:{inst_id}"
            if key not in ctx.subs and all(s.key != key for s in out.add):
                out.add.append(Sub(key, spec.symbol, str(channel), str(inst_id), push_arg,
                                   channel == DEPTH_CHANNEL))
        return out

    def push(self, sub: Sub, book: Book, ctx: Ctx) -> JsonObj:
        ts = str(book.ts_ms)
        if sub.channel == "ticker":
            row: JsonObj = {
                "instId": book.venue_id, "lastPr": book.bid_px, "open24h": book.bid_px,
                "high24h": book.ask_px, "low24h": book.bid_px, "change24h": "0.00",
                "bidPr": book.bid_px, "askPr": book.ask_px, "bidSz": book.bid_sz,
                "askSz": book.ask_sz, "baseVolume": "0", "quoteVolume": "0",
                "openUtc": book.bid_px, "changeUtc24h": "0", "ts": ts}
        else:
            row = {"asks": [[book.ask_px, book.ask_sz]], "bids": [[book.bid_px, book.bid_sz]],
                   "checksum": 0, "seq": book.update_id, "ts": ts}
        return {"action": "snapshot", "arg": sub.arg, "data": [row], "ts": book.ts_ms + 1}

    def depth_push(self, sub: Sub, event: DepthEvent, ctx: Ctx) -> JsonObj:
        row: JsonObj = {"asks": event.asks, "bids": event.bids, "checksum": event.checksum,
                        "seq": event.number, "ts": str(event.stamp_ms)}
        action = "snapshot" if event.kind == "snapshot" else "update"
        return {"action": action, "arg": sub.arg, "data": [row], "ts": event.stamp_ms + 1}

    def payload(self, frame: JsonObj, ctx: Ctx) -> JsonObj:
        row: JsonObj = frame["data"][0]
        return row

    def rest_routes(self) -> Mapping[str, RestHandler]:
        return {"/api/v2/public/time": _time, "/api/v2/spot/public/symbols": _symbols,
                sim_coins.PATH: sim_coins.coins}


def _ok(data: object, now_ms: int) -> JsonObj:
    return {"code": "00000", "msg": "success", "requestTime": now_ms, "data": data}


def _time(req: RestRequest) -> RestReply:
    return 200, _ok({"serverTime": str(req.now_ms)}, req.now_ms)


def _symbols(req: RestRequest) -> RestReply:
    symbol = req.query.get("symbol")
    specs = [s for s in req.specs if symbol is None or BitgetProtocol.venue_id(s) == symbol]
    if symbol is not None and not specs:
        return 400, {"code": "40034", "msg": f"Parameter {symbol} does not exist",
                     "requestTime": req.now_ms, "data": None}
    return 200, _ok([_symbol(s) for s in specs], req.now_ms)


def _symbol(spec: SymbolSpec) -> JsonObj:
    r = spec.rules[Venue.BITGET]
    return {
        "symbol": BitgetProtocol.venue_id(spec), "baseCoin": spec.base, "quoteCoin": spec.quote,
        "minTradeAmount": r.min_qty, "maxTradeAmount": "900000000000000000000",
        "takerFeeRate": "0.002", "makerFeeRate": "0.002", "pricePrecision": str(r.price_dp),
        "quantityPrecision": str(r.qty_dp), "quotePrecision": "8", "status": "online",
        "minTradeUSDT": r.min_notional, "buyLimitPriceRatio": "0.05",
        "sellLimitPriceRatio": "0.05", "areaSymbol": "no", "orderQuantity": "200",
        "openTime": "1532454360000", "offTime": "",
    }


PROTOCOL = BitgetProtocol
