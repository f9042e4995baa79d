"""Bybit v5 spot as the simulator speaks it (bybit-exchange/docs: websocket/public/
orderbook.mdx, wss-authentication.mdx, market/instrument.mdx, market/time.mdx).

L1 is `orderbook.1.<SYMBOL>`, snapshot frames only, `ts` before `type`. Acks carry the
connection id and echo `req_id` when the client sent one. Refusals follow captured
real frames: `error:handler not found,topic:<topic>` and `args size >10`.

Depth is `orderbook.50.<SYMBOL>` (orderbook.mdx, spot Level 50 every 20 ms): a `snapshot`
on subscribing, then a `delta` when the book changed, `u` one more each push, `seq` the
cross sequence; a restart of the book is the whole book with `u` = 1 ("Occasionally,
you'll receive "u"=1, which is a snapshot data due to the restart of the service").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import ClassVar

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
    str_field,
)

TOPIC_PREFIX = "orderbook.1."
DEPTH_PREFIX = "orderbook.50."
MAX_ARGS = 10  # "Spot can input up to 10 args for each subscription request"
SEQ_BASE = 100_000_000_000


def _reply(ctx: Ctx, success: bool, ret_msg: str, op: str, req_id: str | None,
           always_req_id: bool = False) -> bytes:
    """Key order as documented: success, ret_msg, conn_id, req_id, op.

    Captured refusals carry `"req_id":""` even when none was sent; successes omit it.
    """
    frame: JsonObj = {"success": success, "ret_msg": ret_msg, "conn_id": ctx.conn_id}
    if req_id is not None or always_req_id:
        frame["req_id"] = req_id or ""
    frame["op"] = op
    return dumps(frame)


class BybitProtocol(VenueProtocol):
    venue = Venue.BYBIT
    ws_paths = ("/v5/public/spot",)
    numbers = "trim"
    quote_keys: ClassVar[tuple[str, ...]] = ("s", "b", "a")
    depth_push_ms: ClassVar[int] = 20
    book_restarts: ClassVar[bool] = True

    @staticmethod
    def venue_id(spec: SymbolSpec) -> str:
        return f"{spec.base}{spec.quote}"

    def conn_id(self, token: int) -> str:
        return str(uuid.UUID(int=token & (2**128 - 1)))

    def handle(self, text: str, ctx: Ctx) -> Outcome:
        obj = loads(text)
        if obj is INVALID or not isinstance(obj, dict):
            return Outcome([_reply(ctx, False, "error:handler not found", "", None)], errors=1)
        op = str_field(obj, "op") or ""
        req_id = str_field(obj, "req_id")
        if op == "ping":
            return Outcome([_reply(ctx, True, "pong", op, req_id)], ping=True)
        if op not in ("subscribe", "unsubscribe"):
            return Outcome([_reply(ctx, False, "error:handler not found", op, req_id, True)],
                           errors=1)
        args = obj.get("args")
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            return Outcome([_reply(ctx, False, "error:param invalid", op, req_id, True)],
                           errors=1)
        topics = [str(a) for a in args]
        if op == "unsubscribe":
            gone = [t for t in topics if t in ctx.subs]
            return Outcome([_reply(ctx, True, "unsubscribe", op, req_id)], remove=gone)
        if len(topics) > MAX_ARGS:
            return Outcome([_reply(ctx, False, f"args size >{MAX_ARGS}", op, req_id, True)],
                           errors=1)
        if ctx.refuse:
            return Outcome([_reply(ctx, False, "Too many visits!", op, req_id, True)], errors=1)
        return self._subscribe(topics, req_id, ctx)

    def _subscribe(self, topics: list[str], req_id: str | None, ctx: Ctx) -> Outcome:
        """Valid topics are subscribed even when others in the request fail; the failure
        names the first bad topic."""
        out = Outcome()
        bad: list[str] = []
        for topic in dict.fromkeys(topics):
            prefix = next((p for p in (TOPIC_PREFIX, DEPTH_PREFIX) if topic.startswith(p)), "")
            venue_id = topic.removeprefix(prefix)
            spec = ctx.lookup.get(venue_id)
            if topic in ctx.subs:
                bad.append(f"error:already subscribed,topic:{topic}")
            elif not prefix or spec is None:
                bad.append(f"error:handler not found,topic:{topic}")
            else:
                out.add.append(Sub(topic, spec.symbol, prefix.rstrip("."), venue_id, topic,
                                   prefix == DEPTH_PREFIX))
        if bad:
            out.replies.append(_reply(ctx, False, bad[0], "subscribe", req_id, True))
            out.errors = 1
        else:
            out.replies.append(_reply(ctx, True, "subscribe", "subscribe", req_id))
        return out

    def push(self, sub: Sub, book: Book, ctx: Ctx) -> JsonObj:
        data: JsonObj = {"s": book.venue_id, "b": [[book.bid_px, book.bid_sz]],
                         "a": [[book.ask_px, book.ask_sz]], "u": book.update_id,
                         "seq": SEQ_BASE + book.update_id}
        return {"topic": sub.key, "ts": book.ts_ms, "type": "snapshot", "data": data,
                "cts": book.ts_ms - 3}

    def depth_push(self, sub: Sub, event: DepthEvent, ctx: Ctx) -> JsonObj:
        data: JsonObj = {"s": sub.venue_id, "b": event.bids, "a": event.asks,
                         "u": event.number, "seq": event.update_id}
        kind = "snapshot" if event.kind == "snapshot" else "delta"
        return {"topic": sub.key, "ts": event.stamp_ms, "type": kind, "data": data,
                "cts": event.stamp_ms - 2}

    def payload(self, frame: JsonObj, ctx: Ctx) -> JsonObj:
        inner: JsonObj = frame["data"]
        return inner

    def rest_routes(self) -> Mapping[str, RestHandler]:
        return {"/v5/market/time": _time, "/v5/market/instruments-info": _instruments}


def _envelope(result: object, now_ms: int, code: int = 0, msg: str = "OK") -> JsonObj:
    return {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {}, "time": now_ms}


def _time(req: RestRequest) -> RestReply:
    result = {"timeSecond": str(req.now_ms // 1000), "timeNano": str(req.now_ms * 1_000_000)}
    return 200, _envelope(result, req.now_ms)


def _instruments(req: RestRequest) -> RestReply:
    """Only `category=spot` is served; other categories get Bybit's params error."""
    category = req.query.get("category")
    if category != "spot":
        return 200, _envelope({}, req.now_ms, 10001, "params error: Category is invalid")
    symbol = req.query.get("symbol")
    specs = [s for s in req.specs if symbol is None or BybitProtocol.venue_id(s) == symbol]
    rows = [_instrument(i + 1, s) for i, s in enumerate(specs)]
    return 200, _envelope({"category": "spot", "list": rows}, req.now_ms)


def _instrument(symbol_id: int, spec: SymbolSpec) -> JsonObj:
    r = spec.rules[Venue.BYBIT]
    return {
        "symbolId": symbol_id,
        "symbol": BybitProtocol.venue_id(spec),
        "baseCoin": spec.base,
        "quoteCoin": spec.quote,
        "innovation": "0",
        "status": "Trading",
        "marginTrading": "utaOnly",
        "stTag": "0",
        "lotSizeFilter": {
            "basePrecision": decimal_text(r.qty_dp, "trim"),
            "quotePrecision": "0.0000001",
            "minOrderQty": r.min_qty,
            "maxOrderQty": "8300",
            "minOrderAmt": r.min_notional,
            "maxOrderAmt": "8000000",
            "maxLimitOrderQty": "8300",
            "maxMarketOrderQty": "4150",
            "postOnlyMaxLimitOrderSize": "60000",
        },
        "priceFilter": {"tickSize": decimal_text(r.price_dp, "trim")},
        "riskParameters": {"priceLimitRatioX": "0.005", "priceLimitRatioY": "0.01"},
        "symbolType": "",
    }


PROTOCOL = BybitProtocol
