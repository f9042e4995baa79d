"""The inline path: each parser's `quote` turns a venue's recorded L1 frames into `Quote`s
in one strict typed decode (the "gate" is the decoder: shape, channel, finite positive
numbers), without its fully checked `_parse`; and for every frame, recorded or mutated,
`quote` gives exactly what `_parse`, the path every frame took before, gives: the same
quote, the same events, the same counted drops."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from arbot.domain import FeedEvent, Quote, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.symbols import SymbolMap, parse_canonical
from tests.exchanges import lines

# Binance's `/ws` connection (ArBot's) receives each bookTicker payload bare: the
# recorded combined-stream frames' `data`, cut out byte for byte.
BINANCE_COMBINED = lines("binance/ws_bookTicker_2021-10-12.jsonl")
BINANCE_RAW = [f[f.index(b'"data":') + 7:-1] for f in BINANCE_COMBINED]
OKX_BBO = (b'{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["111.06",'
           b'"55154","0","2"]],"bids":[["111.05","57745","0","2"]],"ts":"1670324386802",'
           b'"seqId":1}]}')
BITGET_V2 = lines("bitget/DOCS_EXAMPLES_NOT_RECORDED_v2_ws_spot.jsonl")

# The L1 frames each venue's live connection delivers (Bitget v2 and OKX bbo-tbt have no
# recording: the documented examples stand in).
L1: dict[Venue, list[bytes]] = {
    Venue.BINANCE: BINANCE_RAW,
    Venue.BYBIT: [f for f in lines("bybit/ws_spot_orderbook1_2025-06-13.jsonl")
                  if b'"topic"' in f],
    Venue.OKX: [*lines("okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"), OKX_BBO],
    Venue.BITGET: [f for f in BITGET_V2 if b'"books5"' in f or b'"ticker"' in f
                   if b'"data"' in f],
}
# Every frame of every stream fixture, whatever it carries.
EVERYTHING: dict[Venue, list[bytes]] = {
    Venue.BINANCE: BINANCE_RAW + BINANCE_COMBINED + lines("binance/ws_aggTrade_2021-10-12.jsonl")
    + lines("binance/DOCS_EXAMPLES_serverShutdown.jsonl"),
    Venue.BYBIT: lines("bybit/ws_spot_orderbook1_2025-06-13.jsonl"),
    Venue.OKX: lines("okx/ws_tickers_BTC-USDT_2022-05-13.jsonl")
    + lines("okx/ws_books_BTC-USDT_2022-05-13.jsonl")
    + lines("okx/ws_trades_BTC-USDT_2022-05-13.jsonl")
    + lines("okx/DOCS_EXAMPLE_notice_64008.jsonl") + [OKX_BBO, b"pong"],
    Venue.BITGET: BITGET_V2
    + lines("bitget/LEGACY_v1_ws_spot_books_ticker_trade_2022-04-07.jsonl") + [b"pong"],
}
VENUES = list(Venue)


def symbols(venue: Venue) -> Callable[[str], str | None]:
    """A map that knows every plausible id, so every recorded frame reaches its quote."""
    return SymbolMap(venue, (), guess=True).to_canonical


def counted(venue: Venue) -> tuple[FrameParser, list[bytes | str]]:
    """The venue's parser, telling which frames it handed to its checked `_parse`."""
    base = type(adapter_for(venue).new_parser(symbols(venue), DropCounter()))
    checked: list[bytes | str] = []

    def _parse(self: FrameParser, frame: bytes | str, recv_ns: int) -> Quote | None:
        checked.append(frame)
        return base._parse(self, frame, recv_ns)  # type: ignore[attr-defined, no-any-return]

    cls = type(f"Counted{base.__name__}", (base,), {"_parse": _parse})
    return cls(symbols(venue), DropCounter()), checked


def checked_path(venue: Venue) -> Callable[[bytes | str, int], Quote | None]:
    p = adapter_for(venue).new_parser(symbols(venue), DropCounter())
    return p._parse  # type: ignore[attr-defined, no-any-return]


def outcome(p: FrameParser, frame: bytes | str, path: Callable[[bytes | str, int], Quote | None]
            ) -> tuple[Quote | None, list[FeedEvent], dict[Drop, int]]:
    before = dict(p.drops.counts)
    q = path(frame, 5)
    events = list(p.events)
    p.events.clear()
    after = {k: v - before.get(k, 0) for k, v in p.drops.counts.items() if v != before.get(k)}
    return q, events, after


@pytest.mark.parametrize("venue", VENUES)
def test_every_recorded_l1_frame_is_quoted_inline(venue: Venue) -> None:
    p, checked = counted(venue)
    frames = L1[venue]
    assert frames
    got = [p.quote(f, i) for i, f in enumerate(frames)]
    assert checked == []  # not one frame needed the checked path
    assert all(isinstance(q, Quote) for q in got)
    assert p.events == [] and p.drops.total() == 0
    slow = checked_path(venue)
    assert got == [slow(f, i) for i, f in enumerate(frames)]


@pytest.mark.parametrize("venue", VENUES)
def test_every_recorded_frame_gives_what_the_checked_path_gives(venue: Venue) -> None:
    fast = adapter_for(venue).new_parser(symbols(venue), DropCounter())
    slow = adapter_for(venue).new_parser(symbols(venue), DropCounter())
    for frame in EVERYTHING[venue]:
        assert outcome(fast, frame, fast.quote) == outcome(
            slow, frame, slow._parse), frame  # type: ignore[attr-defined]
    assert fast.drops.counts == slow.drops.counts


# A template L1 frame per venue and mutations of its numbers and names: each one must
# miss the inline path and come out exactly as the checked path says.
TEMPLATES = {
    Venue.BINANCE: (b'{"u":1,"s":"BTCUSDT","b":"100.5","B":"2","a":"100.6","A":"3"}',
                    b'"b":"100.5"', b'"a":"100.6"', b'"BTCUSDT"'),
    Venue.BYBIT: (b'{"topic":"orderbook.1.BTCUSDT","ts":1,"type":"snapshot","data":{"s":"BTCUSDT",'
                  b'"b":[["100.5","2"]],"a":[["100.6","3"]],"u":1,"seq":1}}',
                  b'"b":[["100.5"', b'"a":[["100.6"', b'"BTCUSDT"'),
    Venue.OKX: (b'{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT",'
                b'"instId":"BTC-USDT","askPx":"100.6","askSz":"3","bidPx":"100.5","bidSz":"2",'
                b'"ts":"1"}]}', b'"bidPx":"100.5"', b'"askPx":"100.6"', b'"BTC-USDT"'),
    Venue.BITGET: (b'{"action":"snapshot","arg":{"instType":"SPOT","channel":"books1","instId":'
                   b'"BTCUSDT"},"data":[{"asks":[["100.6","3"]],"bids":[["100.5","2"]],'
                   b'"checksum":0,"seq":1,"ts":"1"}],"ts":1}', b'"bids":[["100.5"',
                   b'"asks":[["100.6"', b'"BTCUSDT"'),
}


def mutations(venue: Venue) -> list[bytes]:
    frame, bid, ask, name = TEMPLATES[venue]
    out = []
    for value in (b"NaN", b"0", b"-1", b"", b"1e999", b"inf", b"x", b"100.7"):
        out.append(frame.replace(bid, bid.replace(b"100.5", value)))  # 100.7: crossed
    out.append(frame.replace(ask, ask.replace(b"100.6", b"100.5")))  # locked
    out.append(frame.replace(name, name.replace(b"BTC", b"ZZZ")))  # unknown symbol
    if venue is Venue.OKX:  # a ticker without a size, or with only levels-channel fields
        out.append(frame.replace(b'"bidSz":"2",', b""))
        out.append(frame.replace(b'"tickers"', b'"bbo-tbt"'))
    return out


@pytest.mark.parametrize("venue", VENUES)
def test_bad_numbers_and_unknown_symbols_take_the_checked_path(venue: Venue) -> None:
    listed = SymbolMap.from_symbols(venue, ["BTC-USDT"], adapter_for(venue).venue_id).lookup
    fast = adapter_for(venue).new_parser(listed, DropCounter())
    slow = adapter_for(venue).new_parser(listed, DropCounter())
    assert isinstance(fast.quote(TEMPLATES[venue][0], 1), Quote)  # the template is good
    slow.quote(TEMPLATES[venue][0], 1)
    for frame in mutations(venue):
        q, events, dropped = outcome(fast, frame, fast.quote)
        assert q is None and events == [] and sum(dropped.values()) == 1, frame
        assert (q, events, dropped) == outcome(slow, frame, slow._parse)  # type: ignore[attr-defined]


def test_bybit_topic_and_symbol_are_both_checked_inline() -> None:
    """Bybit's inline path finds the symbol by topic: a push whose `data.s` disagrees with
    its topic, or whose topic is another depth, comes out as the checked path says."""
    listed = SymbolMap.from_symbols(Venue.BYBIT, ["BTC-USDT", "ETH-USDT"],
                                    adapter_for(Venue.BYBIT).venue_id).lookup
    fast = adapter_for(Venue.BYBIT).new_parser(listed, DropCounter())
    slow = adapter_for(Venue.BYBIT).new_parser(listed, DropCounter())
    good = TEMPLATES[Venue.BYBIT][0]
    frames = [good,
              good.replace(b'"s":"BTCUSDT"', b'"s":"ETHUSDT"'),  # listed, not the topic's
              good.replace(b'"s":"BTCUSDT"', b'"s":"ZZZUSDT"'),  # unlisted
              good.replace(b"orderbook.1.BTCUSDT", b"orderbook.1.ZZZUSDT"),
              good.replace(b"orderbook.1.", b"orderbook.50."),
              good.replace(b"orderbook.1.", b"orderbook.1"),
              good]
    got = [outcome(fast, f, fast.quote) for f in frames]
    assert got == [outcome(slow, f, slow._parse) for f in frames]  # type: ignore[attr-defined]
    assert isinstance(got[1][0], Quote) and got[1][0].symbol == "ETH-USDT"
    assert got[4] == (None, [], {Drop.UNUSED_CHANNEL: 1})


@pytest.mark.parametrize("venue", [Venue.BYBIT, Venue.OKX])
def test_more_levels_than_the_l1_channel_sends_take_the_checked_path(venue: Venue) -> None:
    """Bybit `orderbook.1` and OKX `bbo-tbt` send one level a side, which the inline path
    takes as a tuple of one: a push with more levels is quoted from its first level by the
    checked path, as before."""
    frame = {Venue.BYBIT: TEMPLATES[Venue.BYBIT][0], Venue.OKX: OKX_BBO}[venue]
    deeper = frame.replace(b"]],", b'],["1","1"]],')
    assert deeper.count(b'["1","1"]') == 2
    p, checked = counted(venue)
    q = p.quote(deeper, 3)
    assert checked == [deeper]
    assert isinstance(q, Quote) and q == p.quote(frame, 3)


def subscribed(venue: Venue, frames: list[bytes]) -> list[str]:
    """The venue ids of the symbols `frames` quote: what the feed subscribed to."""
    p = adapter_for(venue).new_parser(symbols(venue), DropCounter())
    adapter = adapter_for(venue)
    return sorted({adapter.venue_id(*parse_canonical(q.symbol))
                   for f in frames if (q := p.quote(f, 0)) is not None})


@pytest.mark.parametrize("venue", VENUES)
def test_a_parser_told_its_ids_quotes_them_inline_and_others_as_before(venue: Venue) -> None:
    """Told the ids its connection subscribes to (as the feed tells it), a parser reads
    the id as one of them: every recorded L1 frame is still quoted inline, and a frame of
    an id it was not told of, which the symbol map still knows, takes the checked path to
    the same quote."""
    frames = L1[venue]
    ids = subscribed(venue, frames)
    base = type(adapter_for(venue).new_parser(symbols(venue), DropCounter()))
    checked: list[bytes | str] = []

    class Counted(base):  # type: ignore[valid-type, misc]
        def _parse(self, frame: bytes | str, recv_ns: int) -> Quote | None:
            checked.append(frame)
            return super()._parse(frame, recv_ns)  # type: ignore[no-any-return]

    told = Counted(symbols(venue), DropCounter(), ids)
    plain = adapter_for(venue).new_parser(symbols(venue), DropCounter())
    assert [told.quote(f, i) for i, f in enumerate(frames)] == [
        plain.quote(f, i) for i, f in enumerate(frames)]
    assert checked == []
    fewer = Counted(symbols(venue), DropCounter(), ids[1:] or ["NOTTHISONE"])
    got = [fewer.quote(f, i) for i, f in enumerate(frames)]
    # A fresh parser: one that has seen the frames would take a replay of them as stale.
    again = adapter_for(venue).new_parser(symbols(venue), DropCounter())
    assert got == [again.quote(f, i) for i, f in enumerate(frames)]
    assert checked and all(isinstance(q, Quote) for q in got)


def test_binance_update_order_is_one_state_on_both_paths() -> None:
    """bookTicker's `u` orders a symbol's pushes on a connection: a push older than the
    last one quoted is `out_of_order` whichever path quoted the last one or reads this one
    (raw `/ws` frames inline, combined-stream frames checked), the same push again is not
    older, and each symbol keeps its own order."""
    listed = SymbolMap.from_symbols(Venue.BINANCE, ["BTC-USDT", "ETH-USDT"],
                                    adapter_for(Venue.BINANCE).venue_id).lookup
    fast = adapter_for(Venue.BINANCE).new_parser(listed, DropCounter(), ["BTCUSDT", "ETHUSDT"])
    slow = adapter_for(Venue.BINANCE).new_parser(listed, DropCounter())
    raw = TEMPLATES[Venue.BINANCE][0]

    def push(u: int, venue_id: bytes = b"BTCUSDT", combined: bool = False) -> bytes:
        frame = raw.replace(b'"u":1,', b'"u":%d,' % u).replace(b"BTCUSDT", venue_id)
        return b'{"stream":"x@bookTicker","data":%s}' % frame if combined else frame

    frames = [push(5), push(4), push(5), push(3, combined=True), push(6, combined=True),
              push(5), push(2, b"ETHUSDT"), push(7), push(1, b"ETHUSDT"),
              push(3, b"ZZZUSDT"), push(1, b"ETHUSDT")]
    got = [outcome(fast, f, fast.quote) for f in frames]
    assert got == [outcome(slow, f, slow._parse) for f in frames]  # type: ignore[attr-defined]
    drops = [next(iter(d), None) for _, _, d in got]
    assert drops == [None, Drop.OUT_OF_ORDER, None, Drop.OUT_OF_ORDER, None,
                     Drop.OUT_OF_ORDER, None, None, Drop.OUT_OF_ORDER, Drop.UNKNOWN_SYMBOL,
                     Drop.OUT_OF_ORDER]


def test_bybit_delta_applies_to_the_top_an_inline_snapshot_kept() -> None:
    """The inline path keeps each symbol's quote as its top: a later delta (checked path)
    applies to it, as it would to a top the checked path kept."""
    listed = SymbolMap.from_symbols(Venue.BYBIT, ["BTC-USDT"],
                                    adapter_for(Venue.BYBIT).venue_id).lookup
    fast, checked = counted(Venue.BYBIT)
    fast = type(fast)(listed, DropCounter(), ["BTCUSDT"])
    slow = adapter_for(Venue.BYBIT).new_parser(listed, DropCounter())
    snapshot = TEMPLATES[Venue.BYBIT][0]
    delta = (b'{"topic":"orderbook.1.BTCUSDT","ts":2,"type":"delta","data":{"s":"BTCUSDT",'
             b'"b":[["100.4","7"]],"u":2,"seq":2}}')
    deleting = delta.replace(b'"b":[["100.4","7"]]', b'"a":[["100.6","0"]]')
    frames = [snapshot, delta, deleting, snapshot]
    got = [outcome(fast, f, fast.quote) for f in frames]
    assert checked == [delta, deleting]
    assert got == [outcome(slow, f, slow._parse) for f in frames]  # type: ignore[attr-defined]
    q = got[1][0]
    assert isinstance(q, Quote) and (q.bid, q.bid_size, q.ask) == (100.4, 7.0, 100.6)
    assert got[2] == (None, [], {Drop.EMPTY_BOOK: 1})


# The other kind of L1 push each arg venue sends beside its template: its ticker channel
# (OKX's template is its ticker, so the other is a `bbo-tbt` book).
OTHER_KIND = {
    Venue.OKX: OKX_BBO,
    Venue.BITGET: (b'{"action":"snapshot","arg":{"instType":"SPOT","channel":"ticker","instId":'
                   b'"BTCUSDT"},"data":[{"instId":"BTCUSDT","lastPr":"100.5","bidPr":"100.4",'
                   b'"askPr":"100.7","bidSz":"1","askSz":"2","ts":"2"}],"ts":2}'),
}


@pytest.mark.parametrize("venue", [Venue.OKX, Venue.BITGET])
def test_book_and_ticker_pushes_in_any_order_give_what_the_checked_path_gives(
        venue: Venue) -> None:
    """The arg venues' inline path reads a book push and a ticker push with a Struct each
    (every field of its kind required) and tries the kind it read last first: whatever the
    order of book pushes, ticker pushes, pushes missing a field of their kind, pushes
    of one kind's fields under the other kind's channel, and control frames, each comes
    out as the checked path says, and every good push is quoted without it."""
    listed = SymbolMap.from_symbols(venue, ["BTC-USDT"], adapter_for(venue).venue_id).lookup
    template, other = TEMPLATES[venue][0], OTHER_KIND[venue]
    book, ticker = (other, template) if venue is Venue.OKX else (template, other)
    bid_size = b'"bidSz":"2",' if venue is Venue.OKX else b'"bidSz":"1",'
    ticker_channel, book_channel = ((b'"tickers"', b'"bbo-tbt"') if venue is Venue.OKX
                                    else (b'"ticker"', b'"books1"'))
    bad = [ticker.replace(bid_size, b""),  # a ticker without a size
           book.replace(b'"asks":[[', b'"other":[['),  # a book without asks
           book.replace(b'"bids":[[', b'"bids":[],"x":[['),  # a book with no bids
           ticker.replace(ticker_channel, book_channel),  # ticker fields, book channel
           book.replace(book_channel, ticker_channel),  # book fields, ticker channel
           b"pong"]
    frames = [book, ticker, ticker, *bad, book, book, bad[0], ticker, *bad, book]
    fast = adapter_for(venue).new_parser(listed, DropCounter(), [TEMPLATES[venue][3][1:-1]
                                                                 .decode()])
    slow = adapter_for(venue).new_parser(listed, DropCounter())
    got = [outcome(fast, f, fast.quote) for f in frames]
    assert got == [outcome(slow, f, slow._parse) for f in frames]  # type: ignore[attr-defined]
    assert [isinstance(q, Quote) for q, _, _ in got] == [f in (book, ticker) for f in frames]
    p, checked = counted(venue)
    for f in frames:
        p.quote(f, 0)
    assert checked == [f for f in frames if f not in (book, ticker)]
