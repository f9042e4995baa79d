"""End to end over real sockets: the simulator sends well-formed but absurd books on one
venue (the whole book scaled by 1e25 or 1e-300, an ask of 1e30, a bid of 3e-297), with
the sanity filter switched off. The gate drops every one of them and counts the drops in
the venue's feed status (and the headless status line, by reason); no absurd quote
reaches a sink and the engine opens nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from arbot.config import ArbotSettings
from arbot.domain import EpisodeEvent, FeedStatus, Quote, Venue
from arbot.events import Sink
from arbot.headless import status_lines
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.config import Dislocations, Faults
from arbot.sim.instruments import spec_for
from tests.conftest import until

SYMBOLS = ("BTC-USDT", "ETH-USDT")
ABSURD_VENUE = Venue.BYBIT


class Collector(Sink):
    def __init__(self) -> None:
        self.quotes: list[Quote] = []
        self.episodes: list[EpisodeEvent] = []

    def on_quote(self, quote: Quote) -> None:
        self.quotes.append(quote)

    def on_feed_status(self, status: FeedStatus) -> None:
        """Read from the runtime's board instead."""

    def on_episode(self, event: EpisodeEvent) -> None:
        self.episodes.append(event)


def gate_drops(runtime: Runtime, venue: Venue) -> int:
    return sum(s.drops.get("off_tick", 0) + s.drops.get("out_of_band", 0)
               for (v, _), s in runtime.board.latest.items() if v is venue)


async def test_absurd_quotes_from_the_simulator_are_dropped_counted_and_never_traded(
        tmp_path: Path) -> None:
    settings = ArbotSettings.model_validate({
        "market": {"symbols": list(SYMBOLS)},
        "storage": {"path": str(tmp_path / "absurd.db"), "record_quotes": "all"},
        "filters": {"sanity": {"enabled": False}},
    })
    sim = SimConfig(symbols=SYMBOLS, rate=200, seed=5,
                    dislocations=Dislocations(rate_per_s=0.0),
                    faults={ABSURD_VENUE: Faults(absurd_rate=0.25)})
    sink = Collector()
    async with Runtime(settings, demo=True, sim_config=sim, sinks=[sink]) as runtime:
        assert runtime.sim is not None
        stats = runtime.sim.stats[ABSURD_VENUE]
        task = asyncio.create_task(runtime.run())
        try:
            await until(lambda: stats.absurd >= 40, "absurd frames sent")
            seen = len(sink.quotes)
            await until(lambda: sum(q.venue is ABSURD_VENUE for q in sink.quotes[seen:]) >= 40,
                        "quotes from the venue after them")
            for q in sink.quotes:
                price = spec_for(q.symbol).price
                assert price / 2 < q.bid < q.ask < price * 2, q
            assert sink.episodes == []
            assert runtime.engine is not None
            funnel = runtime.engine.funnel
            assert funnel.passed == 0 and funnel.below_min == funnel.crossed
            await until(lambda: gate_drops(runtime, ABSURD_VENUE) >= 30, "drops in the status")
            [line] = [ln for ln in status_lines(runtime) if ln.startswith(ABSURD_VENUE.value)]
            assert "out_of_band" in line and "off_tick" in line, line
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert gate_drops(runtime, ABSURD_VENUE) <= stats.absurd
    assert sum(gate_drops(runtime, v) for v in Venue if v is not ABSURD_VENUE) == 0
