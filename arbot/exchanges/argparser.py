"""The parser of the venues whose pushes are `{"arg":{..},"data":[{..}]}` and whose control
frames are `{"event":..}`: one fast path for an L1 push as is, one checked path for any
frame. A venue gives its wire Structs, channels and spot rule as data. Venue-neutral.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

import msgspec

from arbot.domain import Pong, Quote, ShutdownNotice, SubscribeAck, Venue, VenueError
from arbot.exchanges.drops import Drop, DropCounter, decode_json
from arbot.exchanges.frameparser import FrameParser, Quoter
from arbot.exchanges.quotecheck import make_quote
from arbot.exchanges.wire import ChannelArg, L1Row, LiveLevel, dict_get, live_decoder


class LiveArg(Protocol):
    """The `arg` of an L1 push as each venue's live Struct decodes it; the venue's Struct
    narrows `channel` (and `instType`, where it has one) to the values it takes."""

    @property
    def instId(self) -> str: ...


class BookRow(Protocol):
    """The `data[0]` row of a book-channel push as the venue's live Struct decodes it:
    both sides required, at least one level each (best first), and `ts`."""

    @property
    def bids(self) -> Sequence[LiveLevel]: ...
    @property
    def asks(self) -> Sequence[LiveLevel]: ...
    @property
    def ts(self) -> int: ...


class TickerRow(Protocol):
    """The `data[0]` row of a ticker-channel push as the venue's live Struct decodes it
    (the venue's field names mapped onto these by `msgspec.field(name=...)`): the best
    prices and sizes and `ts`, all required."""

    @property
    def bid(self) -> float: ...
    @property
    def bid_size(self) -> float: ...
    @property
    def ask(self) -> float: ...
    @property
    def ask_size(self) -> float: ...
    @property
    def ts(self) -> int: ...


_Row = TypeVar("_Row", covariant=True)


class LiveData(Protocol[_Row]):
    """`OneRow[the venue's live row]`."""

    @property
    def row(self) -> _Row: ...


class LivePush(Protocol[_Row]):
    """`{"arg":{..},"data":[one row]}` as the venue's live Struct decodes it."""

    @property
    def arg(self) -> LiveArg: ...
    @property
    def data(self) -> LiveData[_Row]: ...


class ArgRow(L1Row, Protocol):
    """A `data[]` row as `ArgFrameParser._parse` reads it: `L1Row` and the instrument type
    where the venue puts it in the row (None where it does not)."""

    @property
    def instType(self) -> str | None: ...


class ArgFrame(Protocol):
    """Every frame of an `ArgFrameParser`'s venue as its `frames` decoder reads it: a push
    (`arg`, `data`) or a control frame (`event`, `code`, `msg`, the request's `id`)."""

    @property
    def arg(self) -> ChannelArg | None: ...
    @property
    def data(self) -> Sequence[ArgRow] | None: ...
    @property
    def event(self) -> str | None: ...
    @property
    def code(self) -> object: ...
    @property
    def msg(self) -> str | None: ...
    @property
    def id(self) -> str | None: ...


class ArgFrameParser(FrameParser):
    """Venues whose pushes are `{"arg":{..},"data":[{..}]}` and whose control frames are
    `{"event":..}` or the bare text `pong` (their answer to the text heartbeat `ping`).

    `quote` is the one fast path for all of them: the venue's live Structs (`live_books`,
    `live_ticker`) accept only an L1 push they can quote as is (an L1 channel, one row,
    the numbers finite and positive, `ts` present), so what is left in Python is the
    symbol lookup, the crossed-book test and the `Quote`. Anything else takes `_parse`,
    which decodes with the venue's `frames`, checks every field and says why there is no
    quote.
    """

    venue: ClassVar[Venue]
    live_books: ClassVar[Any]
    """The venue's `LivePush[BookRow]` Struct of its book channels, generic in how it reads
    `instId` (`VenueId`): such a push as it must be to be quoted as is."""
    live_ticker: ClassVar[Any]
    """The same, `LivePush[TickerRow]`, for its ticker channel."""
    frames: ClassVar[msgspec.json.Decoder[ArgFrame]]
    """The venue's non-strict decoder of every frame it sends (`ArgFrame`): `_parse`'s."""
    ticker_channel: ClassVar[str]
    """The L1 channel whose rows name their best prices."""
    book_channels: ClassVar[frozenset[str]]
    """The L1 channels whose rows send levels, best first."""
    price_keys: ClassVar[tuple[str, ...]]
    """Ticker price fields; an empty string there means that side of the book is empty."""

    def __init__(self, symbols: Callable[[str], str | None], drops: DropCounter,
                 ids: Sequence[str] = ()) -> None:
        super().__init__(symbols, drops)
        self._lives: tuple[Callable[[str | bytes], LivePush[BookRow]],
                           Callable[[str | bytes], LivePush[TickerRow]]] = (
            live_decoder(self.live_books, ids), live_decoder(self.live_ticker, ids))
        self.quote = _arg_quoter(*self._lives, symbols, self._parse, self.venue)

    def _parse(self, frame: str | bytes, recv_ns: int) -> Quote | None:
        """Any frame, every field checked: the quote, or events, or a counted drop."""
        try:
            f = self.frames.decode(frame)
        except ValueError:  # msgspec.DecodeError, or UnicodeDecodeError for bad UTF-8
            self._refused(frame)
            return None
        arg = f.arg
        rows = f.data
        if arg is None or not rows:
            if f.event is not None:
                self._event(f.event, f.code, f.msg, arg, f.id)
            else:
                self.drops.add(Drop.INVALID_FRAME)
            return None
        if self.says_not_spot(arg, rows[0].instType):
            self.drops.add(Drop.NOT_SPOT)
            return None
        channel = arg.channel
        levels = channel in self.book_channels
        if not levels and channel != self.ticker_channel:
            self.drops.add(Drop.UNUSED_CHANNEL)
            return None
        symbol = self._symbol(arg.instId)
        if symbol is None:
            # Only spot ids are mapped, so the id's shape is checked on a miss alone.
            self.drops.add(Drop.UNKNOWN_SYMBOL if self.is_spot(arg, None) else Drop.NOT_SPOT)
            return None
        return self._quotes(symbol, rows, levels, recv_ns)

    @abc.abstractmethod
    def is_spot(self, arg: ChannelArg, inst_type: str | None) -> bool:
        """Whether a push is for a spot instrument (`inst_type` from the data row, if any)."""

    def says_not_spot(self, arg: ChannelArg, inst_type: str | None) -> bool:
        """Whether a push's type tags rule it out, tested before its channel (`is_spot`
        unless the venue judges an untagged push by its id, which waits for a symbol miss)."""
        return not self.is_spot(arg, inst_type)

    def _quotes(self, symbol: str, rows: Sequence[L1Row], levels: bool, recv_ns: int
                ) -> Quote | None:
        """The quote of a push's rows (one row in practice; any further quote goes on
        `events`, in order), each through `make_quote`.

        `levels`: take the first level of each side (venues send both sides best-first); an
        empty side is an empty book. Otherwise use the named best prices, all required.
        """
        first: Quote | None = None
        for row in rows:
            ts = row.ts
            if not levels:
                bid, bid_size, ask, ask_size = row.bid, row.bid_size, row.ask, row.ask_size
            else:
                bids, asks = row.bids, row.asks
                if not bids or not asks:
                    self.drops.add(Drop.EMPTY_BOOK)
                    continue
                b, a = bids[0], asks[0]
                bid, bid_size, ask, ask_size = b.px, b.sz, a.px, a.sz
            if bid is None or bid_size is None or ask is None or ask_size is None or ts is None:
                self.drops.add(Drop.INVALID_FRAME)
                continue
            q = make_quote(self.venue, symbol, bid, bid_size, ask, ask_size, ts, recv_ns,
                           self.drops)
            if q is None:
                continue
            if first is None:
                first = q
            else:
                self.events.append(q)
        return first

    def _event(self, event: str, code: object, msg: object, arg: ChannelArg | None,
               request_id: object) -> None:
        """Acks are named `channel:instId` (else by request id). `notice` is documented only
        as "closing for a service upgrade", so any notice means reconnect early.
        An unsubscribe is the answer to a depth book's resync (`arbot.exchanges.resync`),
        no drop; other events (login, ...) are skipped and counted."""
        text = "" if msg is None else str(msg)
        if event == "subscribe":
            ref = f"{arg.channel}:{arg.instId}" if arg is not None else str(request_id or "")
            self.events.append(SubscribeAck(venue=self.venue, ref=ref))
        elif event == "error":
            self.events.append(VenueError(venue=self.venue,
                                          code="" if code is None else str(code), message=text))
        elif event == "unsubscribe":
            return
        elif event == "notice":
            self.events.append(ShutdownNotice(
                venue=self.venue, message=text if code is None else f"{code}: {text}"))
        else:
            self.drops.add(Drop.UNUSED_CHANNEL)

    def _refused(self, frame: str | bytes) -> None:
        """Say why the typed decode refused the frame (or answer it, for `pong`)."""
        if frame == "pong" or frame == b"pong":
            self.events.append(Pong(venue=self.venue))
            return
        obj = decode_json(frame, self.drops)
        if obj is None:
            return
        arg = _channel_arg(dict_get(obj, "arg"))
        event = dict_get(obj, "event")
        if isinstance(event, str):
            self._event(event, dict_get(obj, "code"), dict_get(obj, "msg"), arg,
                        dict_get(obj, "id"))
            return
        if arg is None:
            self.drops.add(Drop.INVALID_FRAME)
            return
        data = dict_get(obj, "data")
        rows = data if isinstance(data, list) else []
        inst_type = dict_get(rows[0], "instType") if rows else None
        if not self.is_spot(arg, inst_type if isinstance(inst_type, str) else None):
            self.drops.add(Drop.NOT_SPOT)
        elif arg.channel not in self.book_channels and arg.channel != self.ticker_channel:
            self.drops.add(Drop.UNUSED_CHANNEL)
        elif any(dict_get(r, k) == "" for r in rows for k in self.price_keys):
            self.drops.add(Drop.EMPTY_BOOK)
        else:
            self.drops.add(Drop.INVALID_FRAME)


def _arg_quoter(books: Callable[[str | bytes], LivePush[BookRow]],
                ticker: Callable[[str | bytes], LivePush[TickerRow]],
                symbol_of: Callable[[str], str | None], checked: Quoter, venue: Venue
                ) -> Quoter:
    """`ArgFrameParser.quote`: the live decode, the symbol, the crossed test, the `Quote`;
    anything else to `checked` (the venue's `_parse`).

    A connection carries one L1 channel, so each kind (book or ticker) has its own live
    Struct with only that kind's fields, all required (msgspec matches every key of the
    row against fewer fields, fills no defaults, and Python tests no absent field): the
    kind the last push was is tried first, and the other one only when that one refuses a
    frame (a refused decode costs about as much as a quote, so it is not tried first)."""
    on_ticker = False

    def other(frame: str | bytes, recv_ns: int) -> Quote | None:
        """The kind not tried first; if it reads the frame, it is tried first from now on."""
        nonlocal on_ticker
        try:
            (books if on_ticker else ticker)(frame)
        except ValueError:  # neither kind: not an L1 push we can quote as is
            return checked(frame, recv_ns)
        on_ticker = not on_ticker
        return quote(frame, recv_ns)

    def quote(frame: str | bytes, recv_ns: int) -> Quote | None:
        if on_ticker:
            try:
                t = ticker(frame)
            except ValueError:
                return other(frame, recv_ns)
            row = t.data.row
            symbol = symbol_of(t.arg.instId)
            bid = row.bid
            ask = row.ask
            if symbol is not None and bid < ask:
                return Quote(venue=venue, symbol=symbol, bid=bid, bid_size=row.bid_size,
                             ask=ask, ask_size=row.ask_size, ts_exchange_ms=row.ts,
                             ts_recv_ns=recv_ns)
            return checked(frame, recv_ns)
        try:
            f = books(frame)
        except ValueError:
            return other(frame, recv_ns)
        level = f.data.row
        symbol = symbol_of(f.arg.instId)
        b = level.bids[0]
        a = level.asks[0]
        bid = b.px
        ask = a.px
        if symbol is not None and bid < ask:
            return Quote(venue=venue, symbol=symbol, bid=bid, bid_size=b.sz, ask=ask,
                         ask_size=a.sz, ts_exchange_ms=level.ts, ts_recv_ns=recv_ns)
        return checked(frame, recv_ns)

    return quote


def _channel_arg(raw: object) -> ChannelArg | None:
    try:
        return msgspec.convert(raw, ChannelArg) if isinstance(raw, dict) else None
    except msgspec.ValidationError:
        return None
