"""Venue lag acted on, end to end: the real runtime against the simulator on 127.0.0.1,
one venue's frames stamped far behind its clock (and every venue's clock ahead of ours,
so only a lag corrected by the REST clock offset sees it).

That venue is STALE with the reason, takes part in no opportunity while it is, and is
LIVE again (and in opportunities) once its lag falls back under `[feeds] max_lag_ms`.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from arbot.config import ArbotSettings
from arbot.domain import EpisodeEvent, EpisodeKind, FeedState, FeedStatus, Venue
from arbot.events import Sink
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.config import Accounts, Dislocations, Faults
from tests.conftest import until

SLOW = Venue.OKX
SKEW_MS = 3_000
REASON = re.compile(r"^lag (\d+) ms > max_lag_ms 500$")
SIM = SimConfig(symbols=("BTC-USDT", "ETH-USDT"), rate=40, seed=5,
                faults={SLOW: Faults(lag_ms=800.0, jitter_ms=20.0)},
                dislocations=Dislocations(rate_per_s=0.0),
                accounts=Accounts(clock_skew_ms=SKEW_MS))


def settings(tmp_path: Path) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT", "ETH-USDT"]},
        "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
        "trading": {"mode": "off"},
        "filters": {"trend": {"enabled": False}},
    })


class Opened(Sink):
    """Every episode opened, by (symbol, buy venue, sell venue)."""

    def __init__(self) -> None:
        self.opened: list[tuple[str, Venue, Venue]] = []

    def on_episode(self, event: EpisodeEvent) -> None:
        if event.kind is EpisodeKind.OPEN:
            e = event.episode
            self.opened.append((e.symbol, e.buy_venue, e.sell_venue))

    def involving(self, venue: Venue) -> list[tuple[str, Venue, Venue]]:
        return [k for k in self.opened if venue in k[1:]]


def status(rt: Runtime, venue: Venue) -> FeedStatus:
    return rt.board.latest[(venue, 0)]


async def test_a_lagging_venue_is_stale_with_the_reason_and_out_of_opportunities(
        tmp_path: Path) -> None:
    opened = Opened()
    stop = asyncio.Event()
    async with Runtime(settings(tmp_path), demo=True, sim_config=SIM, sinks=[opened]) as rt:
        run = asyncio.create_task(rt.run(stop))
        try:
            assert rt.sim is not None and rt.engine is not None
            others = [v for v in Venue if v is not SLOW]
            await until(lambda: all(rt.board.venue_states().get(v) is FeedState.LIVE
                                    for v in others), "the other venues live")
            await until(lambda: status(rt, SLOW).state is FeedState.STALE
                        and status(rt, SLOW).stale_reason is not None
                        and all(status(rt, v).lag_p50_ms is not None
                                for v in (Venue.BYBIT, Venue.BITGET)),
                        "the slow venue stale, the others' lag measured")
            slow = status(rt, SLOW)
            match = REASON.match(slow.stale_reason or "")
            assert match is not None, slow.stale_reason
            assert 700 <= int(match[1]) <= 2_000  # 800 ms behind, seen through a 3 s skew
            assert slow.clock_offset_ms is not None and abs(slow.clock_offset_ms - SKEW_MS) < 500
            assert slow.lag_p50_ms is not None and 700 <= slow.lag_p50_ms <= 2_000
            assert slow.lag_samples >= 5
            for venue in (Venue.BYBIT, Venue.BITGET):  # corrected too: near zero, not -3 s
                s = status(rt, venue)
                assert s.state is FeedState.LIVE and s.stale_reason is None
                p50 = s.lag_p50_ms
                assert p50 is not None and -500 < p50 < 500
            binance = status(rt, Venue.BINANCE)
            assert binance.lag_note == "n/a (bookTicker has no time)"
            assert binance.lag_p50_ms is None and binance.state is FeedState.LIVE

            # The same gap on the slow venue and on a live one: only the live one opens.
            rt.sim.dislocate("BTC-USDT", SLOW, 80.0, life_s=2.0)
            rt.sim.dislocate("ETH-USDT", Venue.BYBIT, 80.0, life_s=2.0)
            await until(lambda: any(k[0] == "ETH-USDT" for k in opened.involving(Venue.BYBIT)),
                        "an opportunity on the live venue")
            await until(lambda: not rt.engine.episodes.open, "the gaps closed")
            assert opened.involving(SLOW) == []
            assert all(rt.engine.board.quote(SLOW, symbol) is None
                       for symbol in rt.engine.board.books)

            # Lag back under the threshold: LIVE again, and its gaps count.
            rt.sim.set_faults(SLOW, lag_ms=0.0, jitter_ms=0.0)
            await until(lambda: status(rt, SLOW).state is FeedState.LIVE, "the venue live again")
            assert status(rt, SLOW).stale_reason is None
            rt.sim.dislocate("BTC-USDT", SLOW, 80.0, life_s=2.0)
            await until(lambda: opened.involving(SLOW), "an opportunity on the recovered venue")
        finally:
            stop.set()
            await run
