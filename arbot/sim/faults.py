"""Malformed frames and per-venue counters.

Garbage is built by mutating a real push, so every venue gets the same mix of bad
input in its own envelope: invalid JSON, wrong types, NaN prices, crossed quotes and
missing fields. Each kind is something a client must drop and count, never crash on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from arbot.sim.market import Lag
from arbot.sim.wire import Book, Ctx, Sub, VenueProtocol, dumps

GARBAGE_KINDS: tuple[str, ...] = ("invalid_json", "wrong_type", "nan", "crossed",
                                  "missing_field")
_WRONG: tuple[object, ...] = (None, True, ["1"], {"px": "1"}, "abc")


def garbage_frame(proto: VenueProtocol, sub: Sub, book: Book, ctx: Ctx,
                  rng: np.random.Generator) -> tuple[str, bytes]:
    """One malformed push for `sub`, and which kind it is."""
    kind = GARBAGE_KINDS[int(rng.integers(len(GARBAGE_KINDS)))]
    if kind == "wrong_type":
        bad = _WRONG[int(rng.integers(len(_WRONG)))]
        book = replace(book, bid_px=bad) if rng.random() < 0.5 else replace(book, ask_px=bad)
    elif kind == "nan":
        book = replace(book, bid_px="NaN") if rng.random() < 0.5 else replace(book, ask_px="NaN")
    elif kind == "crossed":
        book = replace(book, bid_px=book.ask_px, ask_px=book.bid_px)
    frame = proto.push(sub, book, ctx)
    if kind == "missing_field":
        payload = proto.payload(frame, ctx)
        keys = [k for k in proto.quote_keys if k in payload]
        del payload[keys[int(rng.integers(len(keys)))]]
    data = dumps(frame)
    if kind == "invalid_json":
        data = data[: len(data) // 2]
    return kind, data


# Well-formed books with magnitudes no market has: the whole book scaled up or down (a
# phantom gap against every other venue), or one side alone absurd. Decimal strings the
# way venues write them, so the frame parses cleanly.
ABSURD_KINDS: tuple[str, ...] = ("scaled_up", "scaled_down", "ask_huge", "bid_tiny")
_HUGE, _TINY = "1000000000000000000000000000000", "3e-297"  # 1e30


def frame_lag_ms(lag: Lag, rng: np.random.Generator) -> float:
    """One frame's lag behind the venue clock (`SimConfig.lag_for`), never below zero; no
    draw at all without lag, so a run without lag keeps its random sequence."""
    if not lag.lag_ms and not lag.jitter_ms:
        return 0.0
    return max(0.0, lag.lag_ms + lag.jitter_ms * float(rng.standard_normal()))


def absurd_book(book: Book, rng: np.random.Generator) -> tuple[str, Book]:
    """`book` made absurd in one of `ABSURD_KINDS`, and which."""
    kind = ABSURD_KINDS[int(rng.integers(len(ABSURD_KINDS)))]
    if kind == "scaled_up":
        return kind, replace(book, bid_px=_scaled(book.bid_px, "e25"),
                             ask_px=_scaled(book.ask_px, "e25"))
    if kind == "scaled_down":
        return kind, replace(book, bid_px=_scaled(book.bid_px, "e-300"),
                             ask_px=_scaled(book.ask_px, "e-300"))
    if kind == "ask_huge":
        return kind, replace(book, ask_px=_HUGE)
    return kind, replace(book, bid_px=_TINY)


def _scaled(px: object, exponent: str) -> str:
    return f"{px}{exponent}"


@dataclass
class VenueStats:
    """What happened on one venue since the server started; tests wait on these."""

    connections: int = 0
    """WebSocket connections accepted."""
    open: int = 0
    closed: int = 0
    frames: int = 0
    """Data frames pushed, garbage included."""
    garbage: int = 0
    garbage_kinds: Counter[str] = field(default_factory=Counter)
    """By kind, as encoded (in flood mode: when the ring is built, not as sent)."""
    absurd: int = 0
    """Absurd (well-formed) frames encoded, as `garbage_kinds` counts."""
    subscriptions: int = 0
    """Subscriptions that started pushing (acked)."""
    sub_errors: int = 0
    """Error replies: refused or unknown subscriptions and bad requests."""
    pings: int = 0
    """Application pings answered (client-ping venues)."""
    ws_pings: int = 0
    """WebSocket pings sent (server-ping venues)."""
    ws_pongs: int = 0
    """WebSocket pongs that echoed an outstanding ping."""
    heartbeat_drops: int = 0
    fault_drops: int = 0
    """Connections cut by `drop_every_s` or `drop_all`."""
    stalls: int = 0
    shutdowns: int = 0
    """Shutdown notices sent (or, for venues without one, shutdown closes begun)."""
    age_cuts: int = 0
    """Connections closed for reaching the venue's maximum age (`SimConfig.max_ages`)."""
    rest_requests: int = 0
    rest_faults: int = 0
    """REST requests answered by a fault from `SimServer.set_rest_fault`."""
