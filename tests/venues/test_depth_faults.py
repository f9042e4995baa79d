"""Integrity faults through `DepthFrameParser`, as the feed loop meets them: each raises
exactly one `BookResync` (not one per frame), yields no quote from the broken book, and
is counted by reason; the book quotes again once a fresh snapshot is applied. What the
venues document as normal (Bybit's `u = 1`, OKX's sequence reset and no-change
heartbeat, a Binance event older than its snapshot) is accepted without a resync."""

from __future__ import annotations

from arbot.depth.board import DepthBoard
from arbot.domain import BookResync, FeedEvent, Quote, Venue
from arbot.exchanges.depthparser import DepthFrameParser
from tests.depth import (
    binance_diff,
    binance_snapshot,
    bitget_push,
    bybit_push,
    crc,
    depth_parser,
    okx_push,
)

BN, BY, OKX, BG = Venue.BINANCE, Venue.BYBIT, Venue.OKX, Venue.BITGET
BIDS = [("100.0", "1"), ("99.5", "2")]
ASKS = [("100.5", "3"), ("101.0", "4")]


def only_quote(events: list[FeedEvent]) -> Quote:
    [q] = events
    assert isinstance(q, Quote)
    return q


def resync(venue: Venue, reason: str, symbol: str = "BTC-USDT") -> list[FeedEvent]:
    return [BookResync(venue=venue, symbol=symbol, reason=reason)]


def assert_broken(p: DepthFrameParser, venue: Venue) -> None:
    book = p.board.book(venue, "BTC-USDT")
    assert not book.synced and len(book.bids) == 0 and len(book.asks) == 0


# -- Bybit ----------------------------------------------------------------------------


def bybit_synced() -> DepthFrameParser:
    p = depth_parser(BY, [("BTC-USDT", "BTCUSDT")])
    q = only_quote(p.parse(bybit_push("snapshot", 10, BIDS, ASKS, ts=5), 7))
    assert (q.bid, q.bid_size, q.ask, q.ask_size, q.ts_exchange_ms, q.ts_recv_ns) == \
        (100.0, 1.0, 100.5, 3.0, 5, 7)
    return p


def test_bybit_gap_resyncs_once_and_a_new_snapshot_restores_the_book() -> None:
    p = bybit_synced()
    assert only_quote(p.parse(bybit_push("delta", 11, [("100.2", "1")]), 1)).bid == 100.2
    assert p.parse(bybit_push("delta", 13, [("100.3", "1")]), 2) == resync(BY, "gap")
    assert_broken(p, BY)
    # Later deltas of the broken book: nothing, not even another BookResync.
    assert p.parse(bybit_push("delta", 14, [("100.4", "1")]), 3) == []
    assert p.parse(bybit_push("delta", 15, [("100.4", "1")]), 4) == []
    assert p.resyncs == {"gap": 1}
    assert only_quote(p.parse(bybit_push("snapshot", 40, BIDS, ASKS), 5)).bid == 100.0
    assert only_quote(p.parse(bybit_push("delta", 41, [("99.9", "0")]), 6)).bid == 100.0


def test_bybit_crossed_book_resyncs() -> None:
    p = bybit_synced()
    assert p.parse(bybit_push("delta", 11, [("100.5", "1")]), 1) == resync(BY, "crossed")
    assert_broken(p, BY)
    assert p.resyncs == {"crossed": 1}


def test_bybit_u_1_is_a_fresh_snapshot_that_overwrites_the_book() -> None:
    p = bybit_synced()
    q = only_quote(p.parse(bybit_push("delta", 1, [("50", "1")], [("51", "1")]), 1))
    assert (q.bid, q.ask) == (50.0, 51.0)
    book = p.board.book(BY, "BTC-USDT")
    assert len(book.bids) == 1 and len(book.asks) == 1 and book.seq == 1
    assert only_quote(p.parse(bybit_push("delta", 2, [("50.5", "1")]), 2)).bid == 50.5
    assert p.resyncs == {}


def test_bybit_book_is_trimmed_to_fifty_levels() -> None:
    p = depth_parser(BY, [("BTC-USDT", "BTCUSDT")])
    bids = [(str(100 - i), "1") for i in range(60)]
    asks = [(str(101 + i), "1") for i in range(60)]
    only_quote(p.parse(bybit_push("snapshot", 1, bids, asks), 0))
    book = p.board.book(BY, "BTC-USDT")
    assert (len(book.bids), len(book.asks)) == (50, 50)
    assert book.bids.top(50)[-1] == (51.0, 1.0)


# -- OKX ------------------------------------------------------------------------------


def okx_synced(seq: int = 10) -> DepthFrameParser:
    p = depth_parser(OKX, [("BTC-USDT", "BTC-USDT")])
    only_quote(p.parse(okx_push("snapshot", BIDS, ASKS, crc(BIDS, ASKS), seq, -1), 0))
    return p


def test_okx_documented_checksum_vector() -> None:
    """OKX's own example book and checksum ("Order book channel", "Checksum")."""
    bids, asks = [("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")]
    p = depth_parser(OKX, [("BTC-USDT", "BTC-USDT")])
    assert only_quote(p.parse(okx_push("snapshot", bids, asks, -1881014294), 0)).bid == 3366.1
    assert p.parse(okx_push("snapshot", bids, asks, -1881014295), 1) == resync(OKX, "checksum")


def test_okx_wrong_checksum_resyncs_once() -> None:
    p = okx_synced()
    after = [("100.2", "1"), *BIDS]
    assert p.parse(okx_push("update", [("100.2", "1")], [], crc(after, ASKS) + 1, 11, 10), 1) \
        == resync(OKX, "checksum")
    assert_broken(p, OKX)
    assert p.parse(okx_push("update", [("100.3", "1")], [], 0, 12, 11), 2) == []
    assert p.resyncs == {"checksum": 1}


def test_okx_sequence_gap_resyncs() -> None:
    p = okx_synced()
    after = [("100.2", "1"), *BIDS]
    assert p.parse(okx_push("update", [("100.2", "1")], [], crc(after, ASKS), 12, 11), 1) \
        == resync(OKX, "gap")
    assert p.resyncs == {"gap": 1}


def test_okx_heartbeat_and_maintenance_reset_are_accepted() -> None:
    """The documented example: snapshot 10, update 10->15, no change 15->15 (empty
    levels), reset 15->3, normal 3->5."""
    p = okx_synced(10)
    b1 = [("100.2", "1"), *BIDS]
    only_quote(p.parse(okx_push("update", [("100.2", "1")], [], crc(b1, ASKS), 15, 10), 1))
    only_quote(p.parse(okx_push("update", [], [], crc(b1, ASKS), 15, 15), 2))
    b2 = [("100.3", "1"), *b1]
    only_quote(p.parse(okx_push("update", [("100.3", "1")], [], crc(b2, ASKS), 3, 15), 3))
    q = only_quote(p.parse(okx_push("update", [("100.3", "0")], [], crc(b1, ASKS), 5, 3), 4))
    assert q.bid == 100.2
    assert p.board.book(OKX, "BTC-USDT").seq == 5
    assert p.resyncs == {} and p.drops.total() == 0


# -- Bitget ---------------------------------------------------------------------------


def test_bitget_wrong_checksum_and_out_of_order_seq_resync() -> None:
    p = depth_parser(BG, [("BTC-USDT", "BTCUSDT")])
    only_quote(p.parse(bitget_push("snapshot", BIDS, ASKS, crc(BIDS, ASKS), 5), 0))
    # Original strings count: "100.0" re-spelt as "100" is another checksum.
    assert crc(BIDS, ASKS) != crc([("100", "1"), BIDS[1]], ASKS)
    b1 = [("100.2", "1"), *BIDS]
    only_quote(p.parse(bitget_push("update", [("100.2", "1")], [], crc(b1, ASKS), 6), 1))
    assert p.parse(bitget_push("update", [("100.3", "1")], [], 0, 6), 2) == \
        resync(BG, "out_of_order")
    assert_broken(p, BG)
    only_quote(p.parse(bitget_push("snapshot", BIDS, ASKS, crc(BIDS, ASKS), 9), 3))
    assert p.parse(bitget_push("update", [("100.2", "1")], [], 123, 10), 4) == \
        resync(BG, "checksum")
    assert p.resyncs == {"out_of_order": 1, "checksum": 1}


# -- Binance --------------------------------------------------------------------------


def binance_synced() -> DepthFrameParser:
    p = depth_parser(BN, [("BTC-USDT", "BTCUSDT")])
    assert p.parse(binance_diff(101, 103, [("100.1", "1")]), 0) == resync(BN, "no_snapshot")
    assert p.parse(binance_diff(104, 104, [("100.2", "1")]), 1) == []  # buffered, asked once
    q = p.snapshot("BTC-USDT", binance_snapshot(102, BIDS, ASKS), 2)
    assert isinstance(q, Quote) and q.bid == 100.2 and q.ts_recv_ns == 2
    assert p.events == [] and p.resyncs == {}
    return p


def test_binance_event_older_than_the_snapshot_is_ignored() -> None:
    p = binance_synced()
    assert p.parse(binance_diff(90, 104, [("100.4", "9")]), 3) == []
    assert p.board.book(BN, "BTC-USDT").bids.best() == (100.2, 1.0)
    assert p.resyncs == {} and p.drops.total() == 0
    assert only_quote(p.parse(binance_diff(105, 106, [("100.3", "1")]), 4)).bid == 100.3


def test_binance_gap_resyncs_once_and_buffers_for_the_next_snapshot() -> None:
    p = binance_synced()
    assert p.parse(binance_diff(106, 107, [("100.3", "1")]), 3) == resync(BN, "gap")
    assert_broken(p, BN)
    assert p.parse(binance_diff(108, 108, [("100.4", "1")]), 4) == []
    assert p.resyncs == {"gap": 1}
    assert p.keeper.buffered("BTC-USDT") == 2
    q = p.snapshot("BTC-USDT", binance_snapshot(107, BIDS, ASKS), 5)
    assert isinstance(q, Quote) and q.bid == 100.4 and p.events == []


def test_binance_snapshot_older_than_the_first_buffered_event_is_stale() -> None:
    """"If the lastUpdateId from the snapshot is strictly less than the U from step 2, go
    back to step 3": one BookResync per stale snapshot, the buffer kept for the next."""
    p = depth_parser(BN, [("BTC-USDT", "BTCUSDT")])
    assert p.parse(binance_diff(101, 103, [("100.1", "1")]), 0) == resync(BN, "no_snapshot")
    assert p.snapshot("BTC-USDT", binance_snapshot(99, BIDS, ASKS), 1) is None
    assert p.events == resync(BN, "snapshot_stale")
    p.events.clear()
    assert not p.board.book(BN, "BTC-USDT").synced
    assert p.parse(binance_diff(104, 104, [("100.2", "1")]), 2) == []
    assert p.resyncs == {"snapshot_stale": 1}
    assert p.keeper.buffered("BTC-USDT") == 2
    # lastUpdateId 100 would chain onto U = 101, but the step says "strictly less".
    assert p.snapshot("BTC-USDT", binance_snapshot(100, BIDS, ASKS), 3) is None
    assert p.events == resync(BN, "snapshot_stale")
    p.events.clear()
    q = p.snapshot("BTC-USDT", binance_snapshot(101, BIDS, ASKS), 4)
    assert isinstance(q, Quote) and q.bid == 100.2 and p.events == []
    assert p.resyncs == {"snapshot_stale": 2}


def test_binance_crossed_book_resyncs() -> None:
    p = binance_synced()
    assert p.parse(binance_diff(105, 105, [], [("100.2", "1")]), 3) == resync(BN, "crossed")
    assert_broken(p, BN)
    assert p.resyncs == {"crossed": 1}


def test_a_book_on_the_board_is_the_one_the_parser_keeps() -> None:
    p = binance_synced()
    book = p.board.get(0, "BTC-USDT")
    assert book is p.board.book(BN, "BTC-USDT") and book.synced and book.seq == 104


def test_an_unreadable_snapshot_body_is_counted_and_asked_for_again() -> None:
    p = depth_parser(BN, [("BTC-USDT", "BTCUSDT")])
    p.parse(binance_diff(101, 103, [("100.1", "1")]), 0)
    for body in (b'{"code":-1003,"msg":"Too many requests"}', b"<html>", b'{"lastUpdateId":5,'
                 b'"bids":[["NaN","1"]],"asks":[]}'):
        assert p.snapshot("BTC-USDT", body, 1) is None
        assert p.events == resync(BN, "no_snapshot")
        p.events.clear()
    assert p.drops.total() == 3 and p.resyncs == {}
    assert isinstance(p.snapshot("BTC-USDT", binance_snapshot(102, BIDS, ASKS), 2), Quote)


def test_a_venue_whose_stream_brings_its_snapshots_takes_no_rest_body() -> None:
    p = bybit_synced()
    assert p.snapshot("BTC-USDT", binance_snapshot(102, BIDS, ASKS), 2) is None
    assert p.events == [] and p.drops.total() == 1


def test_two_sockets_of_a_rotation_keep_their_own_books_on_one_board() -> None:
    """Make-before-break: the old and the new socket of one venue run side by side. Each
    chains its own frames (neither sees a gap in the other's), the board shows the book
    updated last, and a fault on one socket leaves the other's book alone."""
    board = DepthBoard(50)
    old = depth_parser(BY, [("BTC-USDT", "BTCUSDT")], board)
    new = depth_parser(BY, [("BTC-USDT", "BTCUSDT")], board)
    only_quote(old.parse(bybit_push("snapshot", 10, BIDS, ASKS), 0))
    assert only_quote(new.parse(bybit_push("snapshot", 12, [("100.2", "1")], ASKS), 1)).bid \
        == 100.2
    assert board.get(1, "BTC-USDT") is new.books["BTC-USDT"]
    assert only_quote(old.parse(bybit_push("delta", 11, [("99.0", "1")]), 2)).bid == 100.0
    assert board.get(1, "BTC-USDT") is old.books["BTC-USDT"]
    only_quote(new.parse(bybit_push("delta", 13, [("99.0", "1")]), 3))
    assert old.parse(bybit_push("delta", 15, [("99.1", "1")]), 4) == resync(BY, "gap")
    assert new.books["BTC-USDT"].synced and board.book(BY, "BTC-USDT").synced
    assert new.resyncs == {} and old.resyncs == {"gap": 1}


def test_after_a_reconnect_the_old_sockets_book_leaves_the_board() -> None:
    """The new socket's first diff puts its own (not yet synced) book on the board: the
    old one, synced but no longer updated, is never walked again."""
    board = DepthBoard(50)
    old = depth_parser(BN, [("BTC-USDT", "BTCUSDT")], board)
    old.parse(binance_diff(101, 103, [("100.1", "1")]), 0)
    assert isinstance(old.snapshot("BTC-USDT", binance_snapshot(102, BIDS, ASKS), 1), Quote)
    assert board.book(BN, "BTC-USDT").synced
    new = depth_parser(BN, [("BTC-USDT", "BTCUSDT")], board)
    assert new.parse(binance_diff(200, 201, [("100.3", "1")]), 2) == resync(BN, "no_snapshot")
    assert board.book(BN, "BTC-USDT") is new.books["BTC-USDT"]
    assert not board.book(BN, "BTC-USDT").synced
    assert isinstance(new.snapshot("BTC-USDT", binance_snapshot(200, BIDS, ASKS), 3), Quote)
    assert board.book(BN, "BTC-USDT").synced and new.resyncs == {}
