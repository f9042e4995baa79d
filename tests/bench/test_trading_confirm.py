"""The confirmation benchmark's measurement runs end to end (a few pairs, no timings
judged): both ways fill every order against the simulator over real sockets."""

from __future__ import annotations

from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from bench import trading_confirm


async def test_both_ways_confirm_every_pair() -> None:
    async with SimServer(SimConfig(symbols=("BTC-USDT",), rate=20)) as sim:
        got = await trading_confirm.measure(dict.fromkeys(Venue, sim.port), 3)
    assert {way: len(v) for way, v in got["spans"].items()} == {
        "stream": 3,
        "poll": 3,
        "stream, answers in": 3,
        "stream, from both started": 3,
    }
    assert all(ms > 0 for v in got["spans"].values() for ms in v)
