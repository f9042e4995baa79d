"""A quote older than the venue's last one for the symbol is stale, whatever its prices:
a frame replayed or delivered out of order is dropped (`out_of_order`) by the feed's gate,
never the venue's latest quote. Real recorded frames through the real parsers and gate,
and through `arbot import raw`, which reads captures as the live feed does."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from arbot.cli import main
from arbot.domain import Quote, Venue
from arbot.exchanges.drops import Drop
from arbot.exchanges.quotegate import QuoteGate
from tests.exchanges import lines, parser, quotes

NOW_NS = 1_800_000_000 * 10**9  # received long after the venues stamped the recordings
OKX = lines("okx/ws_tickers_BTC-USDT_2022-05-13.jsonl")
BYBIT = lines("bybit/ws_spot_orderbook1_2025-06-13.jsonl")


def gated(venue: Venue, pairs: list[tuple[str, str]], frames: list[bytes]
          ) -> tuple[list[Quote], QuoteGate]:
    p = parser(venue, pairs)
    gate = QuoteGate(venue)
    passed = [q for i, f in enumerate(frames) for q in quotes(p.parse(f, NOW_NS + i))
              if gate.check(q) is None]
    return passed, gate


@pytest.mark.parametrize(("venue", "pairs", "frames"), [
    (Venue.OKX, [("BTC-USDT", "BTC-USDT")], OKX),
    (Venue.BYBIT, [("OP-USDC", "OPUSDC"), ("KCS-USDT", "KCSUSDT"), ("ARB-USDC", "ARBUSDC")],
     BYBIT),
])
def test_an_earlier_frame_after_a_later_one_is_dropped(
        venue: Venue, pairs: list[tuple[str, str]], frames: list[bytes]) -> None:
    in_order, _ = gated(venue, pairs, frames)
    assert len(in_order) > 3
    first, last = in_order[0], in_order[-1]
    p = parser(venue, pairs)
    oldest = next(f for f in frames
                  if any(q.symbol == first.symbol for q in quotes(p.parse(f, NOW_NS))))
    replayed, gate = gated(venue, pairs, [*frames, oldest])
    assert replayed == in_order  # the old frame is not the symbol's latest quote
    [old] = quotes(parser(venue, pairs).parse(oldest, NOW_NS))
    assert old.ts_exchange_ms is not None and last.ts_exchange_ms is not None
    assert gate.check(old) is Drop.OUT_OF_ORDER


def test_the_same_frame_again_and_a_new_connection_are_not_out_of_order() -> None:
    """A frame of the same venue time is no older (several books can share a ms); a new
    connection starts its own order (the venue's snapshot is its state now, whatever its
    clock said on the last connection)."""
    _, gate = gated(Venue.OKX, [("BTC-USDT", "BTC-USDT")], OKX)
    p = parser(Venue.OKX, [("BTC-USDT", "BTC-USDT")])
    [again] = quotes(p.parse(OKX[-1], NOW_NS))
    assert gate.check(again) is None
    [old] = quotes(p.parse(OKX[0], NOW_NS))
    assert gate.check(old) is Drop.OUT_OF_ORDER
    gate.new_connection(["BTC-USDT"])
    assert gate.check(old) is None


def test_import_raw_counts_an_out_of_order_frame_and_stores_it_not(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = tmp_path / "okx.jsonl"
    capture.write_bytes(b"\n".join([*OKX, OKX[3]]) + b"\n")
    db = tmp_path / "i.db"
    assert main(["import", "raw", "--venue", "okx", "--db", str(db), str(capture)]) == 0
    out = capsys.readouterr().out
    assert f"out_of_order: 1 (line {len(OKX) + 1})" in out, out
    with sqlite3.connect(db) as c:
        (n,) = c.execute("SELECT COUNT(*) FROM quotes").fetchone()
    assert n == len(OKX)


@pytest.mark.parametrize("wrap", [
    lambda body: body,  # the raw /ws frame ArBot receives (the fast path)
    lambda body: b'{"stream":"btcusdt@bookTicker","data":' + body + b"}",  # checked path
], ids=["raw", "combined"])
def test_a_binance_book_ticker_with_an_older_update_id_is_not_the_latest(wrap: Any) -> None:
    """bookTicker has no time, only the book's update id `u`: a push with an older `u`
    is dropped by the parser as out of order; the same `u` again, or a new connection's
    first push, passes."""
    newer = wrap(b'{"u":500,"s":"BTCUSDT","b":"100.0","B":"1","a":"101.0","A":"1"}')
    older = wrap(b'{"u":400,"s":"BTCUSDT","b":"90.0","B":"1","a":"91.0","A":"1"}')
    p = parser(Venue.BINANCE, [("BTC-USDT", "BTCUSDT")])
    [q] = quotes(p.parse(newer, NOW_NS))
    assert q.bid == 100.0
    assert quotes(p.parse(older, NOW_NS + 1)) == []
    assert p.drops.as_dict() == {Drop.OUT_OF_ORDER.value: 1}
    assert len(quotes(p.parse(newer, NOW_NS + 2))) == 1
    fresh = parser(Venue.BINANCE, [("BTC-USDT", "BTCUSDT")])
    assert len(quotes(fresh.parse(older, NOW_NS + 3))) == 1
