"""`BookKeeper` on its own: the corners of each venue's rules the parser tests do not
reach (Binance's buffer across a failed replay, its bound, a second snapshot)."""

from __future__ import annotations

from arbot.depth.book import L2Book
from arbot.depth.sync import MAX_BUFFERED, RESYNC_REASONS, BookKeeper, BookRules, Chain, Verdict
from arbot.domain import BookDelta, Venue
from arbot.venues.binance import depth as binance
from arbot.venues.bitget import depth as bitget
from tests.depth import crc

BIDS = [("100.0", "1")]
ASKS = [("101.0", "1")]


def diff(first: int, last: int, bid: str = "100.5") -> BookDelta:
    return BookDelta(venue=Venue.BINANCE, symbol="X", snapshot=False, bids=[(bid, "1")],
                     asks=[], seq=last, prev_seq=first)


def snap(last: int, bids: list[tuple[str, str]] = BIDS,
         asks: list[tuple[str, str]] = ASKS) -> BookDelta:
    return BookDelta(venue=Venue.BINANCE, symbol="X", snapshot=True, bids=bids, asks=asks,
                     seq=last)


def test_the_reasons_are_the_documented_five() -> None:
    assert RESYNC_REASONS == ("gap", "checksum", "crossed", "out_of_order", "snapshot_stale")
    assert not any(v.resync for v in (Verdict.APPLIED, Verdict.BUFFERED, Verdict.IGNORED))


def test_a_gap_inside_the_buffer_keeps_the_events_after_it_for_the_next_snapshot() -> None:
    k, book = BookKeeper(binance.RULES), L2Book("X")
    for first, last in ((5, 6), (7, 8), (10, 11), (12, 12)):  # 9 is missing
        assert k.on_delta(book, diff(first, last)) is Verdict.BUFFERED
    assert k.on_delta(book, snap(6)) is Verdict.GAP
    assert (book.synced, k.buffered("X")) == (False, 2)  # (10, 11) and (12, 12) kept
    assert k.on_delta(book, snap(10)) is Verdict.APPLIED
    assert (book.synced, book.seq, k.buffered("X")) == (True, 12, 0)


def test_a_crossed_snapshot_keeps_the_buffer() -> None:
    k, book = BookKeeper(binance.RULES), L2Book("X")
    k.on_delta(book, diff(5, 6))
    assert k.on_delta(book, snap(5, asks=[("99", "1")])) is Verdict.CROSSED
    assert k.buffered("X") == 1
    assert k.on_delta(book, snap(5)) is Verdict.APPLIED and book.seq == 6


def test_the_buffer_is_bounded_and_then_asks_for_a_newer_snapshot() -> None:
    k, book = BookKeeper(binance.RULES), L2Book("X")
    for i in range(MAX_BUFFERED + 10):
        k.on_delta(book, diff(i + 1, i + 1))
    assert k.buffered("X") == MAX_BUFFERED
    assert k.on_delta(book, snap(5)) is Verdict.SNAPSHOT_STALE  # first kept U is 11
    assert k.on_delta(book, snap(11)) is Verdict.APPLIED
    assert book.seq == MAX_BUFFERED + 10
    assert k.buffered("X") == 0


def test_a_second_snapshot_older_than_the_book_is_ignored_a_newer_one_restarts() -> None:
    k, book = BookKeeper(binance.RULES), L2Book("X")
    assert k.on_delta(book, snap(10)) is Verdict.APPLIED
    assert k.on_delta(book, diff(11, 12)) is Verdict.APPLIED
    assert k.on_delta(book, snap(11, bids=[("1", "1")])) is Verdict.IGNORED
    assert book.bids.best() == (100.5, 1.0)
    assert k.on_delta(book, snap(20, bids=[("1", "1")])) is Verdict.APPLIED
    assert k.on_delta(book, diff(15, 21, "2")) is Verdict.APPLIED  # spans 21: the first rule
    assert book.bids.best() == (2.0, 1.0) and book.seq == 21


def test_without_seq_bitget_frames_chain_by_checksum_alone() -> None:
    k, book = BookKeeper(bitget.RULES), L2Book("X")
    first = BookDelta(venue=Venue.BITGET, symbol="X", snapshot=True, bids=BIDS, asks=ASKS,
                      checksum=crc(BIDS, ASKS))
    assert k.on_delta(book, first) is Verdict.APPLIED
    again = BookDelta(venue=Venue.BITGET, symbol="X", snapshot=False, bids=[("100.5", "2")],
                      asks=[], checksum=crc([("100.5", "2"), *BIDS], ASKS))
    assert k.on_delta(book, again) is Verdict.APPLIED
    wrong = BookDelta(venue=Venue.BITGET, symbol="X", snapshot=False, bids=[("100.6", "2")],
                      asks=[], checksum=crc(BIDS, ASKS))
    assert k.on_delta(book, wrong) is Verdict.CHECKSUM


def test_a_delta_before_any_snapshot_waits() -> None:
    k = BookKeeper(BookRules(chain=Chain.PLUS_ONE))
    book = L2Book("X")
    delta = BookDelta(venue=Venue.BYBIT, symbol="X", snapshot=False, bids=BIDS, asks=[], seq=3)
    assert k.on_delta(book, delta) is Verdict.IGNORED and not book.synced
