"""A recorded run at depth, made from ArBot's own parts short of the feed: two venues'
L2 books moved by random deltas (with dislocations, so gaps open and close at varying
depth), each quote made from its book's top right after the book changed as the feed's
depth parser does, handed to the live `Recorder` (every quote, every book:
`record_books_ms = 0`) and then to an `Engine` walking the same `DepthBoard`, its
episodes recorded, with the sweep on the replay's 100 ms grid. The run's row holds its
settings, so the backtest replays it with them.

Until the runtime keeps books from the simulator's depth channels, this stands in for a
demo run at depth in the parity test.
"""

from __future__ import annotations

import random
from pathlib import Path

from arbot.config import ArbotSettings
from arbot.config.run import run_settings
from arbot.depth.board import DepthBoard
from arbot.depth.book import L2Book
from arbot.domain import Quote, Venue
from arbot.engine.engine import SWEEP_S, Engine
from arbot.engine.freshness import Liveness
from arbot.events import FanOut
from arbot.storage.db import open_db
from arbot.storage.recorder import Recorder
from arbot.storage.writer import Writer

T0 = 1_714_521_600_000_000_000
STEP_NS = 10_000_000  # a book update every 10 ms, the venues taking turns
SWEEP_NS = round(SWEEP_S * 1e9)
VENUES = (Venue.OKX, Venue.BYBIT)
SYMBOL = "BTC-USDT"


def depth_settings(db: Path) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": [SYMBOL], "depth": 20},
        "strategy": {"max_notional": 5000.0},
        "storage": {"path": str(db), "record_quotes": "all", "record_books_ms": 0},
        "filters": {"volume": {"enabled": False}},
        "trading": {"mode": "off"},
    })


def _levels(mid: float, rng: random.Random, sign: int) -> list[tuple[str, str]]:
    return [(f"{mid + sign * 0.5 * (i + 1):.1f}", f"{rng.uniform(0.01, 0.4):.4f}")
            for i in range(25)]


def _move(book: L2Book, mid: float, rng: random.Random) -> None:
    """A delta: some levels change size, a few appear or go, the top follows `mid`."""
    if rng.random() < 0.2:
        book.replace(_levels(mid, rng, -1), _levels(mid, rng, 1))
        return
    bids = [(f"{mid - 0.5 * (i + 1):.1f}", f"{rng.uniform(0.0, 0.4):.4f}")
            for i in rng.sample(range(25), 4)]
    asks = [(f"{mid + 0.5 * (i + 1):.1f}", f"{rng.uniform(0.0, 0.4):.4f}")
            for i in rng.sample(range(25), 4)]
    book.apply(bids, asks)
    # the top stays at the mid: anything through it goes (a book never crosses)
    book.apply([(t, "0") for t, _ in book.bids.top_text(len(book.bids))
                if float(t) >= mid], [(t, "0") for t, _ in book.asks.top_text(len(book.asks))
                                      if float(t) <= mid])


async def record_depth_run(db: Path, steps: int = 3000, seed: int = 5, books_ms: int = 0
                           ) -> ArbotSettings:
    """The run (see module docstring); `books_ms` is its `record_books_ms`."""
    settings = depth_settings(db)
    rng = random.Random(seed)
    conn = await open_db(db)
    writer = Writer(conn, flush_ms=50)
    await writer.start()
    board = DepthBoard(settings.market.depth)
    recorder = Recorder(writer, "all", 1000, run_id=T0, depth=board, record_books_ms=books_ms,
                        record_books_levels=20)
    recorder.start_run(T0, False, run_settings(settings))
    engine = Engine(settings, FanOut([recorder]), clock=None, resends=False,
                    liveness=Liveness.QUOTES, depth=board)
    mids = {Venue.OKX: 60_000.0, Venue.BYBIT: 60_000.0}
    for venue in VENUES:
        book = board.book(venue, SYMBOL)
        book.replace(_levels(mids[venue], rng, -1), _levels(mids[venue], rng, 1))
        book.synced = True
    next_sweep = T0 + SWEEP_NS
    dislocated = 0
    t = T0
    for step in range(steps):
        t = T0 + (step + 1) * STEP_NS
        while next_sweep < t:  # the replay's sweep grid: every 100 ms from the run's start
            if engine.episodes.open:
                engine.sweep(next_sweep)
            next_sweep += SWEEP_NS
        venue = VENUES[step % 2]
        base = 60_000.0 + rng.uniform(-20, 20)
        if dislocated == 0 and rng.random() < 0.01:
            dislocated = rng.randint(10, 40)
        jump = 0.004 * base if dislocated and venue is Venue.BYBIT else 0.0
        dislocated = max(0, dislocated - 1)
        mids[venue] = round(base + jump, 1)
        book = board.book(venue, SYMBOL)
        _move(book, mids[venue], rng)
        bid, ask = book.bids.best(), book.asks.best()
        assert bid is not None and ask is not None
        q = Quote(venue=venue, symbol=SYMBOL, bid=bid[0], bid_size=bid[1], ask=ask[0],
                  ask_size=ask[1], ts_exchange_ms=t // 1_000_000, ts_recv_ns=t)
        recorder.on_quote(q)  # the runtime's order: the recorder, then the engine
        engine.on_quote(q)
    end = t + STEP_NS
    engine.stop(end)
    recorder.update_run(engine.funnel.as_dict(), ended_ns=end)
    await writer.close()
    await conn.close()
    return settings
