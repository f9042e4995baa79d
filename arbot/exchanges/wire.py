"""Wire pieces shared by the venues that send books as `[price, size, ...]` levels and
`{"event": ...}` control frames. Venue-neutral by construction.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import ClassVar, Protocol

import msgspec

from arbot.domain import FeedEvent, Pong, ShutdownNotice, SubscribeAck, Venue, VenueError
from arbot.exchanges.base import Drop, DropCounter, FrameParser, decode_json, make_quote


class Level(msgspec.Struct, array_like=True, gc=False):
    """One book level `[price, size, ...]`; trailing items (a "0", an order count) are ignored.

    Decoded non-strictly, so the venues' numeric strings arrive as floats in the one pass.
    """

    px: float
    sz: float


class ChannelArg(msgspec.Struct, gc=False):
    """The `arg` object some venues use to name a subscription and tag each push."""

    channel: str
    instId: str
    instType: str = ""  # where the venue puts it here rather than in the data row


class L1Row(Protocol):
    """A `data[]` row of an L1 push, with the venue's field names mapped onto these (by
    `msgspec.field(name=...)` in each venue's wire Struct): book channels fill the levels,
    ticker channels the named best prices."""

    bids: list[Level] | None
    asks: list[Level] | None
    bid: float | None
    bid_size: float | None
    ask: float | None
    ask_size: float | None
    ts: int | None


def row_quotes(venue: Venue, symbol: str, rows: Sequence[L1Row], levels: bool, recv_ns: int,
               drops: DropCounter) -> list[FeedEvent]:
    """Quotes from the rows of one push (one row in practice), each through `make_quote`.

    `levels`: take the first level of each side (venues send both sides best-first); an
    empty side is an empty book. Otherwise use the named best prices, all required.
    """
    out: list[FeedEvent] = []
    for row in rows:
        ts = row.ts
        if not levels:
            bid, bid_size, ask, ask_size = row.bid, row.bid_size, row.ask, row.ask_size
        else:
            bids, asks = row.bids, row.asks
            if not bids or not asks:
                drops.add(Drop.EMPTY_BOOK)
                continue
            b, a = bids[0], asks[0]
            bid, bid_size, ask, ask_size = b.px, b.sz, a.px, a.sz
        if bid is None or bid_size is None or ask is None or ask_size is None or ts is None:
            drops.add(Drop.INVALID_FRAME)
            continue
        q = make_quote(venue, symbol, bid, bid_size, ask, ask_size, ts, recv_ns, drops)
        if q is not None:
            out.append(q)
    return out


class ArgFrameParser(FrameParser):
    """Venues whose pushes are `{"arg":{..},"data":[{..}]}` and whose control frames are
    `{"event":..}` or the bare text `pong` (their answer to the text heartbeat `ping`).

    Subclasses keep their one-pass typed fast path; `_refused` runs only for frames that
    path refused, so its cost is paid by bad or unusual frames alone.
    """

    venue: ClassVar[Venue]
    l1_channels: ClassVar[frozenset[str]]
    price_keys: ClassVar[tuple[str, ...]]
    """Ticker price fields; an empty string there means that side of the book is empty."""

    @abc.abstractmethod
    def is_spot(self, arg: ChannelArg, inst_type: str | None) -> bool:
        """Whether a push is for a spot instrument (`inst_type` from the data row, if any)."""

    def _event(self, event: str, code: object, msg: object, arg: ChannelArg | None,
               request_id: object) -> list[FeedEvent]:
        """Acks are named `channel:instId` (else by request id). `notice` is documented only
        as "closing for a service upgrade", so any notice means reconnect early.
        Other events (unsubscribe, login, ...) are skipped and counted."""
        text = "" if msg is None else str(msg)
        if event == "subscribe":
            ref = f"{arg.channel}:{arg.instId}" if arg is not None else str(request_id or "")
            return [SubscribeAck(venue=self.venue, ref=ref)]
        if event == "error":
            return [VenueError(venue=self.venue, code="" if code is None else str(code),
                               message=text)]
        if event == "notice":
            return [ShutdownNotice(venue=self.venue,
                                   message=text if code is None else f"{code}: {text}")]
        self.drops.add(Drop.UNUSED_CHANNEL)
        return []

    def _refused(self, frame: str | bytes) -> list[FeedEvent]:
        """Say why the typed decode refused the frame (or answer it, for `pong`)."""
        if frame == "pong" or frame == b"pong":
            return [Pong(venue=self.venue)]
        obj = decode_json(frame, self.drops)
        if obj is None:
            return []
        arg = _channel_arg(dict_get(obj, "arg"))
        event = dict_get(obj, "event")
        if isinstance(event, str):
            return self._event(event, dict_get(obj, "code"), dict_get(obj, "msg"), arg,
                               dict_get(obj, "id"))
        if arg is None:
            self.drops.add(Drop.INVALID_FRAME)
            return []
        data = dict_get(obj, "data")
        rows = data if isinstance(data, list) else []
        inst_type = dict_get(rows[0], "instType") if rows else None
        if not self.is_spot(arg, inst_type if isinstance(inst_type, str) else None):
            self.drops.add(Drop.NOT_SPOT)
        elif arg.channel not in self.l1_channels:
            self.drops.add(Drop.UNUSED_CHANNEL)
        elif any(dict_get(r, k) == "" for r in rows for k in self.price_keys):
            self.drops.add(Drop.EMPTY_BOOK)
        else:
            self.drops.add(Drop.INVALID_FRAME)
        return []


def _channel_arg(raw: object) -> ChannelArg | None:
    try:
        return msgspec.convert(raw, ChannelArg) if isinstance(raw, dict) else None
    except msgspec.ValidationError:
        return None


def dict_get(obj: object, key: str) -> object:
    """`obj[key]` if obj is a dict, else None: for untyped slow-path classification."""
    return obj.get(key) if isinstance(obj, dict) else None
