"""One demo run recorded for every backtest test: the real runtime against the built-in
simulator (real sockets on 127.0.0.1, the venues' own protocols), with dislocations so
episodes occur, one venue's connection dropped and another stalled so venue states
change mid-run, every quote recorded (`record_quotes = "all"`), and paper trading."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from arbot.config import ArbotSettings
from arbot.domain import Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.config import Dislocations, Faults

SYMBOLS = ["BTC-USDT", "ETH-USDT"]
SIM = SimConfig(symbols=tuple(SYMBOLS), rate=100, seed=11,
                dislocations=Dislocations(rate_per_s=3.0, size_bps=45.0, life_s=0.8),
                faults={Venue.OKX: Faults(drop_every_s=4.0),
                        Venue.BYBIT: Faults(stall_every_s=3.0, stall_for_s=2.0)})
SECONDS = 10.0


# The trend filter judges how long a gap lasted and how far the fair price moved on the
# engine's clock: live, when each quote was handled; replayed, when it was received. On a
# busy machine those part by the loop's lag, so a gap may pass on another quote live than
# replayed: the engine's parity, not trading's. The recordings pass gaps on consecutive
# sightings alone (counted alike by both) so that their trades differ only by trading.
TREND = {"min_persist_ms": 60_000, "min_updates": 3, "max_move_bps": 1e9}

SLOW_VENUE = Venue.BYBIT
SLOW_MS = 400.0  # half a dislocation's life: the slow venue's legs often arrive too late


def demo_settings(db: Path, paper: dict[str, object] | None = None) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": SYMBOLS},
        "storage": {"path": str(db), "record_quotes": "all", "flush_ms": 50},
        "feeds": {"stale_after_s": 1.5},
        "filters": {"trend": TREND},
        "trading": {"mode": "paper", "cooldown_s": 0.2, "max_trades_per_minute": 1000,
                    "paper": paper or {}},
    })


@dataclass(frozen=True)
class Recording:
    db: Path
    settings: ArbotSettings


async def record(db: Path, seconds: float, paper: dict[str, object] | None = None
                 ) -> ArbotSettings:
    settings = demo_settings(db, paper)
    async with Runtime(settings, demo=True, sim_config=SIM) as runtime:
        await runtime.run(duration=seconds)
    return settings


@pytest.fixture(scope="package")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    settings = asyncio.run(record(db, SECONDS))
    yield Recording(db, settings)


DEPTH_SIM = SimConfig(symbols=tuple(SYMBOLS), rate=100, seed=11,
                      dislocations=Dislocations(rate_per_s=3.0, size_bps=45.0, life_s=0.8))


async def record_at_depth(db: Path, seconds: float) -> ArbotSettings:
    """A demo run at `[market] depth = 5` recording every quote and every book (no
    faults: a resync is not recorded, so a replay could not know of it), with a
    `max_notional` the top levels cannot fill, so gaps are walked."""
    deep = ArbotSettings.model_validate({"market": {"symbols": SYMBOLS, "depth": 5},
                                         "strategy": {"max_notional": 200_000.0}})
    rich = {"balances": {"*": {"USDT": 10_000_000.0, "BTC": 100.0, "ETH": 2_000.0}}}
    settings = demo_settings(db, rich).model_copy(update={"market": deep.market,
                                                    "strategy": deep.strategy})
    settings = settings.model_copy(update={"trading": settings.trading.model_copy(
        update={"max_open_exposure": 1_000_000.0})})
    settings = settings.model_copy(update={"storage": settings.storage.model_copy(
        update={"record_books_ms": 0})})
    async with Runtime(settings, demo=True, sim_config=DEPTH_SIM) as runtime:
        recorder, engine = runtime.recorder, runtime.engine
        assert recorder is not None and recorder.books is not None
        assert engine is not None and engine.depth is runtime.depth_board is not None
        await runtime.run(duration=seconds)
    return settings


@pytest.fixture(scope="package")
def demo_depth_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    db = tmp_path_factory.mktemp("depth") / "depth.db"
    yield Recording(db, asyncio.run(record_at_depth(db, SECONDS)))


@pytest.fixture(scope="package")
def slow_venue_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    """The same demo run with one venue's paper orders taking `SLOW_MS` to arrive."""
    db = tmp_path_factory.mktemp("slow") / "slow.db"
    paper = {"venue_latency_ms": {SLOW_VENUE.value: SLOW_MS}}
    settings = asyncio.run(record(db, SECONDS, paper))
    yield Recording(db, settings)
