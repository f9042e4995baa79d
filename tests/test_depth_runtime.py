"""Depth books end to end: the real runtime at `[market] depth = 5` against the simulator's
depth channels on 127.0.0.1, each venue's integrity faults switched on.

Every venue's books come up synced on the runtime's board (Binance's from its REST
snapshot), every fault the simulator injects ends in a counted resync on the venue's
status, and the resync brings the book back: synced again, on the same socket.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from arbot.config import ArbotSettings
from arbot.depth.board import DepthBoard
from arbot.domain import FeedState, FeedStatus, Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.config import Dislocations, Faults
from tests.conftest import until

SYMBOLS = ("BTC-USDT", "ETH-USDT")
FAULTS = {
    Venue.BINANCE: Faults(book_gap_every_s=1.5),
    Venue.OKX: Faults(book_bad_checksum_every_s=1.5),
    Venue.BITGET: Faults(book_bad_checksum_every_s=1.5),
    Venue.BYBIT: Faults(book_gap_every_s=1.5),
}


def settings(tmp_path: Path) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": list(SYMBOLS), "depth": 5},
        "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
        "trading": {"mode": "off"},
    })


def status(rt: Runtime, venue: Venue) -> FeedStatus:
    return rt.board.latest[(venue, 0)]


def synced(board: DepthBoard, venue: Venue) -> bool:
    books = board.books[list(Venue).index(venue)]
    return all(s in books and books[s].synced and len(books[s].bids) > 0 for s in SYMBOLS)


async def test_every_venues_books_sync_and_every_fault_is_a_counted_resync(
        tmp_path: Path) -> None:
    sim = SimConfig(symbols=SYMBOLS, rate=40, seed=3, faults=FAULTS,
                    dislocations=Dislocations(rate_per_s=0.0))
    stop = asyncio.Event()
    async with Runtime(settings(tmp_path), demo=True, sim_config=sim) as rt:
        run = asyncio.create_task(rt.run(stop))
        try:
            board = rt.depth_board
            assert board is not None and board.levels == 5
            await until(lambda: all(rt.board.venue_states().get(v) is FeedState.LIVE
                                    for v in Venue), "every venue live on its depth channel")
            await until(lambda: all(synced(board, v) for v in Venue), "every book synced")
            await until(lambda: all(status(rt, v).resyncs for v in Venue),
                        "a resync counted on every venue", wait_s=30)
            for venue, reason in ((Venue.BINANCE, "gap"), (Venue.OKX, "checksum"),
                                  (Venue.BITGET, "checksum"), (Venue.BYBIT, "gap")):
                assert reason in status(rt, venue).resyncs, (venue, status(rt, venue).resyncs)
                assert "no_snapshot" not in status(rt, venue).resyncs  # a start, no fault
            # Resynced on the same socket: each venue's books are seen whole again after
            # a resync (faults keep coming, so not necessarily all venues at once).
            counted = {v: sum(status(rt, v).resyncs.values()) for v in Venue}
            back: set[Venue] = set()

            def recovered() -> bool:
                back.update(v for v in Venue if synced(board, v)
                            and sum(status(rt, v).resyncs.values()) > counted[v])
                return len(back) == len(Venue)

            await until(recovered, "each venue's books back after a later resync", wait_s=30)
            assert all(status(rt, v).reconnects == 0 for v in Venue)
            assert rt.engine is not None and rt.engine.funnel.quotes > 0
        finally:
            stop.set()
            await run
