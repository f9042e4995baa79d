"""OKX v5 spot as the simulator speaks it (okx.com/docs-v5: websocket subscribe, order
book channel `bbo-tbt`, tickers channel, public instruments and time).

Acks and errors carry `connId` and echo `id` when sent; bad requests are 60012 with the
request text, unknown channels or instruments 60018. The heartbeat is the bare text
`ping` -> `pong`; an idle connection is closed with code 4004.

Depth is `books` ("Order book channel"): 400 levels in the docs, the simulator's whole book
here; `action` `snapshot` on subscribing (`prevSeqId` -1), then an `update` every 100 ms
when the book changed, `prevSeqId` the previous push's `seqId`; after about 60 s without a
change an empty update whose `seqId` equals its `prevSeqId`; `checksum` the signed CRC32
of the top 25 levels as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from arbot.domain import Venue
from arbot.sim.depthbook import DepthEvent, Level
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
    str_field,
)

DEPTH_CHANNEL = "books"
CHANNELS = ("bbo-tbt", "tickers", DEPTH_CHANNEL)
NOTICE = "The connection will soon be closed for a service upgrade. Please reconnect."


def _event(ctx: Ctx, req_id: str | None, event: str, **fields: Any) -> bytes:
    """Key order as documented: id, event, (arg | code, msg), connId."""
    frame: JsonObj = {"id": req_id} if req_id is not None else {}
    frame["event"] = event
    frame.update(fields)
    frame["connId"] = ctx.conn_id
    return dumps(frame)


def _invalid(ctx: Ctx, req_id: str | None, text: str) -> Outcome:
    return Outcome([_event(ctx, req_id, "error", code="60012", msg=f"Invalid request: {text}")],
                   errors=1)


class OkxProtocol(VenueProtocol):
    venue = Venue.OKX
    ws_paths = ("/ws/v5/public",)
    numbers = "trim"
    idle_close = (4004, "No data received in 30s.")
    quote_keys: ClassVar[tuple[str, ...]] = ("asks", "bids", "askPx", "askSz", "bidPx", "bidSz")
    depth_push_ms: ClassVar[int] = 100
    book_checksum: ClassVar[bool] = True
    idle_update_s: ClassVar[float | None] = 60.0

    @staticmethod
    def venue_id(spec: SymbolSpec) -> str:
        return f"{spec.base}-{spec.quote}"

    def conn_id(self, token: int) -> str:
        return f"{token & 0xFFFFFFFF:08x}"

    def handle(self, text: str, ctx: Ctx) -> Outcome:
        if text == "ping":
            return Outcome([b"pong"], ping=True)
        obj = loads(text)
        if obj is INVALID or not isinstance(obj, dict):
            return _invalid(ctx, None, text)
        raw_id = obj.get("id")
        req_id = raw_id if isinstance(raw_id, str) else None
        op = str_field(obj, "op")
        args = obj.get("args")
        if (op not in ("subscribe", "unsubscribe") or (raw_id is not None and req_id is None)
                or not isinstance(args, list) or not args
                or not all(isinstance(a, dict) for a in args)):
            return _invalid(ctx, req_id, text)
        if op == "unsubscribe":
            out = Outcome([_event(ctx, req_id, "unsubscribe", arg=a) for a in args])
            out.remove = [f"{a.get('channel')}:{a.get('instId')}" for a in args]
            return out
        if ctx.refuse:
            return Outcome([_event(ctx, req_id, "error", code="60014",
                                   msg="Requests too frequent.")], errors=1)
        return self._subscribe(args, req_id, ctx)

    def _subscribe(self, args: list[JsonObj], req_id: str | None, ctx: Ctx) -> Outcome:
        """One ack per arg, echoing the arg; one 60018 error per unknown channel/instrument."""
        out = Outcome()
        for arg in args:
            channel, inst_id = str_field(arg, "channel"), str_field(arg, "instId")
            spec = ctx.lookup.get(inst_id or "")
            if channel not in CHANNELS or inst_id is None or spec is None:
                msg = (f"Wrong URL or channel:{arg.get('channel')},instId:{arg.get('instId')} "
                       "doesn't exist. Please use the correct URL, channel and parameters "
                       "referring to API document.")
                out.replies.append(_event(ctx, req_id, "error", code="60018", msg=msg))
                out.errors += 1
                continue
            out.replies.append(_event(ctx, req_id, "subscribe", arg=arg))
            key = f"{channel}:{inst_id}"
            if key not in ctx.subs and all(s.key != key for s in out.add):
                push_arg = {"channel": channel, "instId": inst_id}
                out.add.append(Sub(key, spec.symbol, channel, inst_id, push_arg,
                                   channel == DEPTH_CHANNEL))
        return out

    def push(self, sub: Sub, book: Book, ctx: Ctx) -> JsonObj:
        ts = str(book.ts_ms)
        if sub.channel == "tickers":
            row: JsonObj = {
                "instType": "SPOT", "instId": book.venue_id, "last": book.bid_px,
                "lastSz": book.bid_sz, "askPx": book.ask_px, "askSz": book.ask_sz,
                "bidPx": book.bid_px, "bidSz": book.bid_sz, "open24h": book.bid_px,
                "high24h": book.ask_px, "low24h": book.bid_px, "volCcy24h": "0",
                "vol24h": "0", "sodUtc0": book.bid_px, "sodUtc8": book.bid_px, "ts": ts}
        else:
            orders = str(1 + book.update_id % 5)
            row = {"asks": [[book.ask_px, book.ask_sz, "0", orders]],
                   "bids": [[book.bid_px, book.bid_sz, "0", orders]],
                   "ts": ts, "seqId": book.update_id}
        return {"arg": sub.arg, "data": [row]}

    def depth_push(self, sub: Sub, event: DepthEvent, ctx: Ctx) -> JsonObj:
        row: JsonObj = {"asks": [_level(lv) for lv in event.asks],
                        "bids": [_level(lv) for lv in event.bids], "ts": str(event.stamp_ms),
                        "checksum": event.checksum, "prevSeqId": event.prev_id,
                        "seqId": event.update_id}
        action = "snapshot" if event.kind == "snapshot" else "update"
        return {"arg": sub.arg, "action": action, "data": [row]}

    def payload(self, frame: JsonObj, ctx: Ctx) -> JsonObj:
        row: JsonObj = frame["data"][0]
        return row

    def shutdown_notice(self, ctx: Ctx) -> bytes | None:
        return dumps({"event": "notice", "code": "64008", "msg": NOTICE, "connId": ctx.conn_id})

    def rest_routes(self) -> Mapping[str, RestHandler]:
        return {"/api/v5/public/time": _time, "/api/v5/public/instruments": _instruments}


def _level(level: Level) -> list[str]:
    """[price, size, "0" (deprecated), number of orders] (a plausible count; 0 when gone)."""
    price, size = level
    orders = 0 if size.strip("0.") == "" else 1 + sum(map(ord, price + size)) % 12
    return [price, size, "0", str(orders)]


def _time(req: RestRequest) -> RestReply:
    return 200, {"code": "0", "msg": "", "data": [{"ts": str(req.now_ms)}]}


def _instruments(req: RestRequest) -> RestReply:
    """Only SPOT instruments exist here; other types list nothing."""
    inst_type = req.query.get("instType")
    if not inst_type:
        return 400, {"code": "50014", "msg": "Parameter instType can not be empty.", "data": []}
    inst_id = req.query.get("instId")
    specs = [s for s in req.specs if inst_type == "SPOT"
             and (inst_id is None or OkxProtocol.venue_id(s) == inst_id)]
    if inst_id is not None and not specs:
        return 200, {"code": "51001", "msg": "Instrument ID does not exist.", "data": []}
    return 200, {"code": "0", "msg": "", "data": [_instrument(s) for s in specs]}


def _instrument(spec: SymbolSpec) -> JsonObj:
    r = spec.rules[Venue.OKX]
    return {
        "alias": "", "auctionEndTime": "", "baseCcy": spec.base, "category": "1",
        "ctMult": "", "ctType": "", "ctVal": "", "ctValCcy": "", "expTime": "",
        "instFamily": "", "instId": OkxProtocol.venue_id(spec), "instType": "SPOT",
        "lever": "10", "listTime": "1548133413000", "lotSz": decimal_text(r.qty_dp, "trim"),
        "maxIcebergSz": "9999999999", "maxLmtAmt": "20000000", "maxLmtSz": "9999999999",
        "maxMktAmt": "1000000", "maxMktSz": "1000000", "maxStopSz": "1000000",
        "maxTriggerSz": "9999999999", "maxTwapSz": "9999999999", "minSz": r.min_qty,
        "optType": "", "quoteCcy": spec.quote, "settleCcy": "", "state": "live",
        "stk": "", "tickSz": decimal_text(r.price_dp, "trim"), "uly": "",
    }


PROTOCOL = OkxProtocol
