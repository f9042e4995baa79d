"""Alerts from a running demo (simulator on 127.0.0.1, paper trading) to a real local
receiver through Apprise: every event kind arrives, once per dedup window; a failing or
hanging destination slows nothing; no URL is ever logged or stored."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

from arbot.alerts.alert import AlertKind
from arbot.config import ArbotSettings
from arbot.domain import FeedState, Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.config import Dislocations
from tests.alerts.receiver import Receiver, receiver
from tests.conftest import WAIT_S, until

SECRET = "s3cr3t-webhook-token"
SIM = SimConfig(symbols=("BTC-USDT", "ETH-USDT"), rate=50,
                dislocations=Dislocations(rate_per_s=2.0, size_bps=40.0, life_s=1.0))
HEARTBEAT = AlertKind.HEARTBEAT_STALLED
PAIR = re.compile(r"(\S+) gap [\d.]+ bps: buy (\w+), sell (\w+)")


def settings(tmp_path: Path, **alerts: object) -> ArbotSettings:
    return ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT", "ETH-USDT"]},
        "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
        "feeds": {"quarantine_after": 1, "quarantine_s": 1.0, "backoff_cap_s": 0.2},
        "trading": {"cooldown_s": 0.2, "paper": {"reject_rate": 0.3, "seed": 7}},
        "alerts": {"episode_min_bps": 5.0, "dedup_s": 3600.0, "max_per_hour": 10_000,
                   "heartbeat_stall_s": 1.0, **alerts},
    })


@asynccontextmanager
async def alerting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *urls: str
                   ) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("ARBOT_ALERT_URLS", ",".join(urls))
    stop = asyncio.Event()
    async with Runtime(settings(tmp_path), demo=True, sim_config=SIM) as rt:
        task = asyncio.create_task(rt.run(stop))
        try:
            yield rt
        finally:
            stop.set()
            await task


def hang_the_loop_until(told: Callable[[], object]) -> None:
    """Block the event loop (sleep without awaiting) until `told()`: only threads run."""
    end = time.monotonic() + WAIT_S
    while not told():
        assert time.monotonic() < end, "the stall was not noticed while the loop hung"
        time.sleep(0.1)


def titles(r: Receiver, containing: str) -> list[str]:
    return r.titles(containing)


async def quarantine(rt: Runtime, venue: Venue) -> None:
    """The simulator refuses the venue's subscriptions until it is quarantined; then it
    serves it again and the venue comes back."""
    assert rt.sim is not None
    rt.sim.set_faults(venue, refuse_subscriptions=True)
    rt.sim.drop_all(venue)
    await until(lambda: rt.board.venue_states().get(venue) is FeedState.QUARANTINED,
                f"{venue} quarantined")
    rt.sim.set_faults(venue, refuse_subscriptions=False)
    await until(lambda: rt.board.venue_states().get(venue) is FeedState.LIVE,
                f"{venue} live again")


async def test_every_kind_reaches_the_receiver_once_per_dedup_window(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with receiver() as r:
        async with alerting(tmp_path, monkeypatch, r.url(f"hook/{SECRET}")) as rt:
            assert rt.alerts is not None and rt.trader is not None
            await until(lambda: titles(r, " gap "), "an episode alert")
            await until(lambda: titles(r, "trade filled"), "a filled trade's alert", 60)
            await until(lambda: titles(r, "leg risk"), "a leg-risk alert", 60)
            for _ in range(2):  # twice inside the window: told once each way
                await quarantine(rt, Venue.OKX)
            await until(lambda: titles(r, "okx recovered"), "the recovery alert")
            for _ in range(2):
                rt.alerts.on_balance_drift(Venue.BYBIT, "USDT", 10_000.0, 9_990.0)
            watch = rt.alerts.watch
            assert watch is not None
            for reason in ("kill switch (API)", "kill switch (API)", "kill switch (SIGUSR1)"):
                rt.trader.halt(reason)
                await until(lambda r=reason: watch.halted == r, "the watch to see the halt")
                rt.trader.resume()
                await until(lambda: watch.halted is None, "the watch to see the resume")
            # The loop blocked (a runaway handler): the watch thread notices and the
            # destination's thread delivers, both while the loop is still stuck.
            for told in (lambda: titles(r, "heartbeat stalled"),
                         lambda: rt.alerts is not None and rt.alerts.duplicates[HEARTBEAT]):
                hang_the_loop_until(told)
                await until(lambda: not watch.stalled, "the engine to tick again")
            await until(lambda: titles(r, "balance drift"), "the drift alert")
            sent = dict(rt.alerts.sent)
        pairs = Counter(m.groups() for t in titles(r, " gap ") if (m := PAIR.search(t)))
        assert pairs and max(pairs.values()) == 1, pairs  # one per pair in the window
        assert len(titles(r, "okx quarantined")) == 1 and len(titles(r, "okx recovered")) == 1
        assert titles(r, "balance drift") == ["ArBot DEMO: balance drift on bybit: USDT"]
        assert titles(r, "HALTED") == ["ArBot DEMO: trading HALTED: kill switch (API)",
                                       "ArBot DEMO: trading HALTED: kill switch (SIGUSR1)"]
        assert titles(r, "heartbeat stalled") == ["ArBot DEMO: engine heartbeat stalled"]
        assert all(t.startswith("ArBot DEMO: ") for t in r.titles())
        assert sum(sent.values()) == len(r.alerts)  # every alert sent arrived, once
    drift = next(a for a in r.alerts if "balance drift" in a["title"])
    assert "bybit reports 9990 USDT; the ledger expects 10000" in drift["message"]
    logged = caplog.text
    assert SECRET not in logged and f":{r.port}" not in logged
    assert SECRET.encode() not in (tmp_path / "arbot.db").read_bytes()


@contextmanager
def black_hole() -> Iterator[int]:
    """A port that takes connections (the kernel's backlog) and never answers: a
    destination that hangs until the sender's timeout, the worst kind."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield int(s.getsockname()[1])


async def loop_lag(stop: asyncio.Event, samples: list[float]) -> None:
    """How late a 10 ms sleep wakes, sampled until `stop`."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(0.01)
        samples.append(loop.time() - start - 0.01)


async def test_a_hanging_and_a_failing_destination_slow_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with receiver() as good, receiver() as failing, black_hole() as port:
        failing.failing.set()
        hanging = f"json://127.0.0.1:{port}/hook/{SECRET}"
        async with alerting(tmp_path, monkeypatch, hanging, failing.url(SECRET),
                            good.url()) as rt:
            assert rt.alerts is not None and rt.engine is not None
            samples: list[float] = []
            stop = asyncio.Event()
            sampler = asyncio.create_task(loop_lag(stop, samples))
            await until(lambda: len(good.titles(" gap ")) >= 5, "alerts at the good one")
            quotes = rt.engine.funnel.quotes
            await until(lambda: len(good.titles(" gap ")) >= 10, "more alerts")
            await until(lambda: failing.refused >= 2, "the failing one retried")
            stop.set()
            await sampler
            assert rt.engine.funnel.quotes > quotes  # the engine kept going
            hang, fail, _ = rt.alerts.destinations
            assert hang.stats.failing and fail.stats.failing and not hang.stats.delivered
        assert len(good.alerts) == sum(rt.alerts.sent.values())  # the good one got all
    samples.sort()
    print(f"loop lag with a hanging and a failing destination: {len(samples)} samples, "
          f"p50 {samples[len(samples) // 2] * 1e3:.2f} ms, "
          f"p99 {samples[int(len(samples) * 0.99)] * 1e3:.2f} ms, max {samples[-1] * 1e3:.2f} ms")
    logged = caplog.text
    assert logged.count("alert destination 1 (JSON) failed to deliver") == 1
    assert logged.count("alert destination 2 (JSON) failed to deliver") == 1
    assert "destination 3 (JSON) failed" not in logged
    assert SECRET not in logged and f":{port}" not in logged
