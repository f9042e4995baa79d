"""OKX and Bitget put a checksum on every `books` push, the no-change heartbeat
included; a push without one cannot be checked, so it is a broken book (one resync), not
a book taken on trust: without it a push with neither checksum nor sequence fields, whose
levels are anything at all, would set the top of the book unchecked."""

from __future__ import annotations

import json

import pytest

from arbot.domain import BookResync, Quote, Venue
from tests.depth import bitget_push, crc, depth_parser, okx_push

BIDS = [("100.0", "1"), ("99.5", "2")]
ASKS = [("100.5", "3"), ("101.0", "4")]


def without_checksum(frame: str, *also: str) -> str:
    push = json.loads(frame)
    for key in ("checksum", *also):
        push["data"][0].pop(key, None)
    return json.dumps(push)


@pytest.mark.parametrize(("venue", "venue_id", "snapshot", "update"), [
    (Venue.OKX, "BTC-USDT", okx_push("snapshot", BIDS, ASKS, crc(BIDS, ASKS), 10, -1),
     without_checksum(okx_push("update", [("100.4", "50")], [], 0, 11, 10),
                      "seqId", "prevSeqId")),
    (Venue.BITGET, "BTCUSDT", bitget_push("snapshot", BIDS, ASKS, crc(BIDS, ASKS), 5),
     without_checksum(bitget_push("update", [("100.4", "50")], [], 0), "seq")),
])
def test_a_push_without_its_checksum_breaks_the_book(venue: Venue, venue_id: str,
                                                     snapshot: str, update: str) -> None:
    p = depth_parser(venue, [("BTC-USDT", venue_id)])
    [q] = p.parse(snapshot, 0)
    assert isinstance(q, Quote) and q.bid == 100.0
    got = p.parse(update, 1)
    assert not any(isinstance(e, Quote) for e in got), got
    assert got == [BookResync(venue=venue, symbol="BTC-USDT", reason="checksum")]
    assert not p.board.book(venue, "BTC-USDT").synced
