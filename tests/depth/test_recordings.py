"""Books rebuilt from real recordings, through the same parser and rules as live.

Binance: the `@depth@100ms` diff stream synchronised with the REST snapshots recorded
right after the socket opened, for all four symbols, every later diff chaining; the
rebuilt tops match every bookTicker recorded at the same update id. OKX: the `books`
recording matches every checksum. Bitget: the v1 `books` recording (the only real one)
matches every checksum. Bybit: the `orderbook.1` recording goes through Bybit's rules.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

from arbot.depth.board import DepthBoard
from arbot.depth.book import L2Book
from arbot.depth.sync import BookKeeper, Verdict
from arbot.domain import BookDelta, BookResync, Quote, Venue
from arbot.venues.bitget import depth as bitget
from arbot.venues.bybit import depth as bybit
from tests.depth import depth_parser
from tests.exchanges import FIXTURES, lines

BINANCE = {"NKNUSDT": "NKN-USDT", "BLZETH": "BLZ-ETH", "LRCBTC": "LRC-BTC",
           "RUNEEUR": "RUNE-EUR"}
DIFFS = lines("binance/ws_depth_100ms_diff_2021-10-12.jsonl")


def snapshot_body(venue_id: str) -> bytes:
    return (FIXTURES / f"binance/rest_depth_{venue_id}_limit1000_2021-10-12.json").read_bytes()


def test_binance_diffs_synchronise_with_the_recorded_snapshots_and_chain() -> None:
    """As the feed would: the first diff of a symbol asks for its snapshot, which is
    applied at once; every later diff chains (U == previous u + 1) and gives a quote."""
    board = DepthBoard(50)
    p = depth_parser(Venue.BINANCE, [(c, v) for v, c in BINANCE.items()], board)
    last_id = {v: json.loads(snapshot_body(v))["lastUpdateId"] for v in BINANCE}
    asked: list[str] = []
    applied: Counter[str] = Counter()
    ignored: Counter[str] = Counter()
    for i, frame in enumerate(DIFFS):
        diff = json.loads(frame)["data"]
        got = p.parse(frame, i)
        for event in got:
            if isinstance(event, BookResync):
                assert event.reason == "no_snapshot"
                venue_id = next(v for v, c in BINANCE.items() if c == event.symbol)
                asked.append(venue_id)
                assert isinstance(p.snapshot(event.symbol, snapshot_body(venue_id), i), Quote)
        if diff["u"] <= last_id[diff["s"]]:
            ignored[diff["s"]] += 1
            assert not any(isinstance(e, Quote) for e in got)
        else:
            applied[diff["s"]] += 1
            [q] = [e for e in got if isinstance(e, Quote)]
            assert q.ts_exchange_ms == diff["E"]
            assert board.book(Venue.BINANCE, BINANCE[diff["s"]]).seq == diff["u"]
    assert sorted(asked) == sorted(BINANCE)
    assert p.resyncs == {}
    assert p.drops.total() == 0
    assert set(applied) == set(BINANCE) and sum(applied.values()) + sum(ignored.values()) \
        == len(DIFFS)


def test_binance_snapshot_after_the_whole_stream_applies_the_buffer() -> None:
    """Buffered diffs older than the snapshot are discarded, the rest chain onto it."""
    board = DepthBoard(50)
    p = depth_parser(Venue.BINANCE, [(c, v) for v, c in BINANCE.items()], board)
    events = [e for i, f in enumerate(DIFFS) for e in p.parse(f, i)]
    assert sorted(e.symbol for e in events if isinstance(e, BookResync)) == sorted(
        BINANCE.values())
    assert sum(p.keeper.buffered(c) for c in BINANCE.values()) == len(DIFFS)
    for venue_id, canonical in BINANCE.items():
        q = p.snapshot(canonical, snapshot_body(venue_id), 10**9)
        assert isinstance(q, Quote) and q.ts_recv_ns == 10**9
        last = max(json.loads(f)["data"]["u"] for f in DIFFS
                   if json.loads(f)["data"]["s"] == venue_id)
        book = board.book(Venue.BINANCE, canonical)
        assert book.synced and book.seq == last
        assert p.keeper.buffered(canonical) == 0
    assert p.resyncs == {} and p.events == []


def test_binance_rebuilt_tops_match_every_book_ticker_at_the_same_update_id() -> None:
    board = DepthBoard(50)
    p = depth_parser(Venue.BINANCE, [(c, v) for v, c in BINANCE.items()], board)
    tops: dict[tuple[str, int], tuple[tuple[float, float] | None, ...]] = {}
    for i, frame in enumerate(DIFFS):
        for event in p.parse(frame, i):
            if isinstance(event, BookResync):
                venue_id = next(v for v, c in BINANCE.items() if c == event.symbol)
                p.snapshot(event.symbol, snapshot_body(venue_id), i)
        venue_id = json.loads(frame)["data"]["s"]
        book = board.book(Venue.BINANCE, BINANCE[venue_id])
        if book.synced and book.seq is not None:
            tops[(venue_id, book.seq)] = (book.bids.best(), book.asks.best())
    matched = 0
    for frame in lines("binance/ws_bookTicker_2021-10-12.jsonl"):
        t = json.loads(frame)["data"]
        top = tops.get((t["s"], t["u"]))
        if top is not None:
            matched += 1
            assert top == ((float(t["b"]), float(t["B"])), (float(t["a"]), float(t["A"])))
    assert matched == 26  # every bookTicker whose u is a diff's last update id


def test_okx_book_rebuilt_from_the_recording_matches_every_checksum() -> None:
    """98 frames (a 400-level snapshot, 97 updates, no seqId: a 2022 recording); the
    keeper checks each frame's CRC32 of the top 25, so a quote per frame is a match."""
    board = DepthBoard(50)
    p = depth_parser(Venue.OKX, [("BTC-USDT", "BTC-USDT")], board)
    frames = lines("okx/ws_books_BTC-USDT_2022-05-13.jsonl")
    out = [e for i, f in enumerate(frames) for e in p.parse(f, i)]
    assert len(frames) == 98
    assert len(out) == 98 and all(isinstance(e, Quote) for e in out)
    assert p.resyncs == {} and p.drops.total() == 0
    book = board.book(Venue.OKX, "BTC-USDT")
    assert book.checksum(25) == json.loads(frames[-1])["data"][0]["checksum"]


def test_okx_a_changed_size_in_the_recording_fails_its_checksum() -> None:
    """The check can fail: the same snapshot with one size re-spelt ("1.44679" ->
    "1.446790", the same number) no longer matches its checksum."""
    p = depth_parser(Venue.OKX, [("BTC-USDT", "BTC-USDT")])
    snap = lines("okx/ws_books_BTC-USDT_2022-05-13.jsonl")[0]
    assert b'["30243.5","1.44679"' in snap
    out = p.parse(snap.replace(b'["30243.5","1.44679"', b'["30243.5","1.446790"'), 0)
    assert out == [BookResync(venue=Venue.OKX, symbol="BTC-USDT", reason="checksum")]


def _replay(decode_frames: list[BookDelta], keeper: BookKeeper) -> Counter[Verdict]:
    books: dict[str, L2Book] = {}
    verdicts: Counter[Verdict] = Counter()
    for delta in decode_frames:
        book = books.setdefault(delta.symbol, L2Book(delta.symbol))
        verdicts[keeper.on_delta(book, delta)] += 1
    return verdicts


def test_bitget_v1_books_recording_matches_every_checksum() -> None:
    """The legacy v1 protocol frames `books` as v2 does (its pushes say instType "sp" and
    carry no seq): 8 snapshots and 435 updates over 8 symbols, every CRC32 matching."""
    decode = bitget.decoder("sp")
    frames = lines("bitget/LEGACY_v1_ws_spot_books_ticker_trade_2022-04-07.jsonl")
    decoded = [decode(f, i, lambda s: s) for i, f in enumerate(frames)]
    deltas = [d for d in decoded if isinstance(d, BookDelta)]
    assert all(d is None for d in decoded if not isinstance(d, BookDelta))  # tickers, trades, acks
    assert len(deltas) == 443 and sum(d.snapshot for d in deltas) == 8
    assert all(d.checksum is not None for d in deltas)
    assert _replay(deltas, BookKeeper(bitget.RULES)) == {Verdict.APPLIED: 443}


def test_bitget_v2_decoder_takes_no_v1_push() -> None:
    frame = next(f for f in lines("bitget/LEGACY_v1_ws_spot_books_ticker_trade_2022-04-07.jsonl")
                 if b'"channel":"books"' in f and b'"data"' in f)
    assert str(bitget.decode(frame, 0, lambda s: s)) == "not_spot"


def test_bybit_orderbook1_recording_goes_through_bybit_rules() -> None:
    """Every `orderbook.1` push is a snapshot (re-pushed with the same u after 3 s without
    change); each overwrites its book, none is a fault."""
    frames = lines("bybit/ws_spot_orderbook1_2025-06-13.jsonl")
    decoded = [bybit.decode(f, i, lambda s: s) for i, f in enumerate(frames)]
    deltas = [d for d in decoded if isinstance(d, BookDelta)]
    assert len(deltas) == 139 and all(d.snapshot for d in deltas)
    assert decoded.count(None) == len(frames) - 139  # the subscribe acks
    assert _replay(deltas, BookKeeper(bybit.RULES)) == {Verdict.APPLIED: 139}
    last = json.loads(frames[-1])
    book = L2Book("x")
    keeper = BookKeeper(bybit.RULES)
    delta = bybit.decode(frames[-1], 0, lambda s: s)
    assert isinstance(delta, BookDelta) and keeper.on_delta(book, delta) is Verdict.APPLIED
    [[bid, bid_size]] = last["data"]["b"]
    assert book.bids.best() == (float(Decimal(bid)), float(Decimal(bid_size)))
