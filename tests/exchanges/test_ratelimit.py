"""TokenBucket in virtual time: the clock only moves when the bucket sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from arbot.exchanges.ratelimit import TokenBucket
from arbot.exchanges.restspec import RateLimit


class VirtualTime:
    """A clock and a sleep for it: sleeping moves the clock, then yields once."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.on_sleep: Callable[[float], None] | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def bucket(vt: VirtualTime, capacity: float, rate: float) -> TokenBucket:
    return TokenBucket(capacity, rate, clock=vt.clock, sleep=vt.sleep)


@pytest.mark.parametrize(("n", "weight", "expected_s"), [
    (3, 3, 0.0),  # 9 of 10 tokens: no wait
    (10, 3, 4.0),  # 30 tokens: 10 at once, 20 more at 5/s
    (1, 10, 0.0),  # the whole bucket at once
    (5, 10, 8.0),
])
async def test_n_acquires_take_the_right_virtual_time(n: int, weight: int,
                                                      expected_s: float) -> None:
    vt = VirtualTime()
    b = bucket(vt, 10, 5)
    for _ in range(n):
        await b.acquire(weight)
    assert vt.now == pytest.approx(expected_s)


async def test_refills_while_idle_but_never_beyond_capacity() -> None:
    vt = VirtualTime()
    b = bucket(vt, 10, 5)
    await b.acquire(10)
    vt.now += 1.0
    assert b.tokens == pytest.approx(5)
    vt.now += 100.0
    assert b.tokens == pytest.approx(10)


async def test_for_limit_never_exceeds_the_limit_in_any_window() -> None:
    """Half the limit as capacity and half the rate as refill: a burst and the refill
    after it still fit one window, wherever that window starts."""
    vt = VirtualTime()
    limit = RateLimit(600, 5.0)
    b = TokenBucket.for_limit(limit, clock=vt.clock, sleep=vt.sleep)
    assert (b.capacity, b.refill_per_s) == (300, 60)
    times: list[float] = []
    for _ in range(2000):
        await b.acquire(1)
        times.append(vt.now)
    start = 0
    for end, t in enumerate(times):
        while times[start] <= t - limit.window_s:
            start += 1
        assert end - start + 1 <= limit.limit


async def test_pause_until_delays_and_restarts_empty() -> None:
    vt = VirtualTime()
    b = bucket(vt, 10, 5)
    b.pause_until(7.0)
    assert b.paused_until == 7.0
    await b.acquire(2)
    # Nothing before t=7, and the bucket starts empty then: 2 tokens take 0.4 s more.
    assert vt.now == pytest.approx(7.4)
    b.pause_until(3.0)  # an earlier pause changes nothing
    assert b.paused_until == 7.0


async def test_a_pause_that_starts_while_waiting_is_honoured() -> None:
    vt = VirtualTime()
    b = bucket(vt, 10, 5)
    await b.acquire(10)

    def venue_says_stop(_: float) -> None:
        vt.on_sleep = None
        b.pause_until(vt.now + 30.0)

    vt.on_sleep = venue_says_stop
    await b.acquire(5)  # would have waited 1 s
    assert vt.now == pytest.approx(31.0)


async def test_waiters_are_served_in_arrival_order() -> None:
    vt = VirtualTime()
    b = bucket(vt, 10, 1)
    await b.acquire(10)
    done: list[str] = []

    async def take(name: str, weight: float) -> None:
        await b.acquire(weight)
        done.append(name)

    await asyncio.gather(take("heavy", 8), take("light1", 1), take("light2", 1))
    assert done == ["heavy", "light1", "light2"]
    assert vt.now == pytest.approx(10.0)


async def test_a_cancelled_waiter_takes_nothing() -> None:
    vt = VirtualTime()
    gate = asyncio.Event()

    async def blocking_sleep(seconds: float) -> None:
        await gate.wait()

    b = TokenBucket(10, 1, clock=vt.clock, sleep=blocking_sleep)
    await b.acquire(6)
    waiter = asyncio.create_task(b.acquire(8))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert b.tokens == pytest.approx(4)
    await b.acquire(4)  # the lock was released


@pytest.mark.parametrize("weight", [0, -1, 11])
async def test_weights_that_can_never_be_served_are_refused(weight: float) -> None:
    b = bucket(VirtualTime(), 10, 1)
    with pytest.raises(ValueError, match="does not fit"):
        await b.acquire(weight)


def test_a_bucket_needs_positive_capacity_and_rate() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1)
    with pytest.raises(ValueError):
        TokenBucket(1, 0)
