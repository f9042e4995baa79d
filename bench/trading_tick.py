"""The trader's share of the quote that hands it a passed episode, in one process.

Run as a child of `bench/trading.py`, once per checkout (`--code DIR`: the old code in the
same run), it drives the real `Engine` into the real paper `Trader` (a journal on a
migrated SQLite file, latency 0) with one quote that opens a passing BTC-USDT episode, then
one that closes it, and waits for the trade to settle before the next sample. Per sample,
on `time.perf_counter_ns`:
  * `quote`: `Engine.on_quote` for the opening quote, everything the feed waits for;
  * `trader`: inside `Trader.on_episode` during that call (the trader's share of it);
  * `to_orders`: from `Trader.on_episode` entry to both legs' `place` starting.
It prints one JSON line with every sample.

    python bench/trading_tick.py --code DIR [--samples 400]
"""

from __future__ import annotations

import sys
from pathlib import Path

# The checkout under test goes first on the path, before anything of ArBot is imported.
CODE = sys.argv[sys.argv.index("--code") + 1] if "--code" in sys.argv else \
    str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, CODE)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from typing import Any  # noqa: E402

import arbot  # noqa: E402
from arbot.config import ArbotSettings  # noqa: E402
from arbot.domain import EpisodeEvent, Instrument, OrderReport, OrderRequest, Quote, Venue  # noqa: E402
from arbot.engine.engine import Engine  # noqa: E402
from arbot.engine.freshness import Liveness  # noqa: E402
from arbot.events import FanOut  # noqa: E402
from arbot.storage.db import open_db  # noqa: E402
from arbot.storage.journal import TradeJournal  # noqa: E402
from arbot.trading.paper import PaperExecutor  # noqa: E402
from arbot.trading.setup import build_trader  # noqa: E402
from arbot.trading.trader import Trader  # noqa: E402

SYMBOL = "BTC-USDT"
BUY, SELL = Venue.BINANCE, Venue.OKX


class Probe:
    """perf_counter_ns at the trader's hand-over and at each leg's `place`."""

    def __init__(self) -> None:
        self.handed: list[int] = []  # passed episodes only
        self.inside: list[int] = []  # ns inside on_episode for those
        self.placed: dict[str, int] = {}

    def install(self) -> None:
        on_episode = Trader.on_episode

        def timed(trader: Trader, event: EpisodeEvent) -> None:
            t0 = time.perf_counter_ns()
            on_episode(trader, event)
            if event.episode.verdict.passed and event.kind != "close":
                self.handed.append(t0)
                self.inside.append(time.perf_counter_ns() - t0)

        Trader.on_episode = timed  # type: ignore[method-assign]
        place = PaperExecutor.place

        def timed_place(ex: PaperExecutor, req: OrderRequest, *args: Any
                        ) -> Awaitable[OrderReport]:
            self.placed.setdefault(req.client_id, time.perf_counter_ns())
            return place(ex, req, *args)

        PaperExecutor.place = timed_place  # type: ignore[method-assign]


def settings(db: Path) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": [SYMBOL]},
        "storage": {"path": str(db)},
        "filters": {"trend": {"enabled": False}},  # the opening quote passes at once
        "trading": {"mode": "paper", "cooldown_s": 0, "max_trades_per_minute": 10_000,
                    "max_open_exposure": 1e12, "daily_loss_limit": 1e12,
                    "paper": {"latency_ms": 0, "balances": {"*": {"USDT": 1e12, "BTC": 1e9}}}},
    })


def instruments() -> dict[tuple[Venue, str], Instrument]:
    return {(v, SYMBOL): Instrument(venue=v, symbol=SYMBOL, venue_id="BTCUSDT", base="BTC",
                                    quote="USDT", tick_size="0.01", lot_size="0.0001",
                                    min_qty="0.0001", min_notional="5", status="TRADING",
                                    trading=True) for v in (BUY, SELL)}


def quote(venue: Venue, bid: float) -> Quote:
    return Quote(venue=venue, symbol=SYMBOL, bid=bid, bid_size=1.0, ask=bid + 0.01,
                 ask_size=1.0, ts_exchange_ms=time.time_ns() // 1_000_000,
                 ts_recv_ns=time.time_ns())


async def measure(samples: int) -> dict[str, Any]:
    probe = Probe()
    probe.install()
    with tempfile.TemporaryDirectory() as tmp:
        s = settings(Path(tmp) / "tick.db")
        conn = await open_db(s.storage.path)  # migrates
        await conn.close()
        journal = TradeJournal(s.storage.path)
        engine: Engine | None = None

        def book(venue: Venue, symbol: str) -> Quote | None:
            return engine.board.quote(venue, symbol) if engine is not None else None

        trader = build_trader(s, journal, book, instruments(), run_id=1, armed=False,
                              on_trade=None)
        engine = Engine(s, FanOut([trader]), clock=time.time_ns, liveness=Liveness.ALWAYS)
        on_quote: Callable[[Quote], None] = engine.on_quote
        quote_ns: list[int] = []
        on_quote(quote(BUY, 100.0))
        for _ in range(samples):
            on_quote(quote(SELL, 100.0))  # no gap
            opening = quote(SELL, 101.0)  # a 1% gap: opens a passing episode
            t0 = time.perf_counter_ns()
            on_quote(opening)
            quote_ns.append(time.perf_counter_ns() - t0)
            await trader.wait_idle()
            on_quote(quote(SELL, 100.0))  # closes it
            await trader.wait_idle()
        journal.close()
    both: dict[str, int] = {}  # trade id -> its later leg's place, in hand-over order
    for cid, t in sorted(probe.placed.items(), key=lambda kv: kv[1]):
        both[cid[:-1]] = max(both.get(cid[:-1], t), t)
    to_orders = [t - h for t, h in zip(both.values(), probe.handed, strict=True)]
    return {"arbot": arbot.__file__, "trades": trader.trades,
            "refused": dict(trader.rejections), "quote_us": [n / 1e3 for n in quote_ns],
            "trader_us": [n / 1e3 for n in probe.inside],
            "to_orders_us": [n / 1e3 for n in to_orders]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", default=CODE)
    parser.add_argument("--samples", type=int, default=400)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.samples))))


if __name__ == "__main__":
    main()
