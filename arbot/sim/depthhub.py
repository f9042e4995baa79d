"""Every venue's depth books, pushed at each venue's interval, with injected faults.

A venue's book is one per symbol, shared by every connection, as on the real venue: its
ids and checksums are the same whoever listens, and a REST snapshot (where the venue
serves one) is taken from the very book the stream pushes. A book starts when a client
first subscribes to the symbol's depth channel or asks for its REST snapshot, and from
then on follows the price model: at once on each change under the market profile
(`changed`), at each push under `steady` (which has no change events).

Each venue pushes what changed every `VenueProtocol.depth_push_ms` (nothing when nothing
did), and a venue whose channel documents a no-change push (an empty update after a
while without a change, `VenueProtocol.idle_update_s`) sends that. Faults
(`Faults.book_*_every_s`, per venue) are applied to pushes that someone will receive,
and each is recorded in the ground truth.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from arbot.domain import Venue
from arbot.sim.config import Faults, SimConfig
from arbot.sim.depthbook import BookView, DepthEvent, SimBook
from arbot.sim.instruments import Catalog
from arbot.sim.prices import STYLES, PriceModel
from arbot.sim.truth import Truth
from arbot.sim.wire import VenueProtocol

log = logging.getLogger("arbot.sim")

Deliver = Callable[[Venue, str, list[DepthEvent]], None]
"""Hand a symbol's pushes, in order, to every connection subscribed to its depth."""
Listening = Callable[[Venue, str], bool]
"""True when some connection is subscribed to the symbol's depth on the venue."""


class DepthHub:
    """The depth books of every venue; `run()` pushes them until cancelled."""

    def __init__(self, config: SimConfig, catalog: Catalog, model: PriceModel,
                 protocols: Mapping[Venue, VenueProtocol], faults: Mapping[Venue, Faults],
                 truth: Truth, *, venue_ms: Callable[[], int], wall_ms: Callable[[], int],
                 deliver: Deliver, listening: Listening) -> None:
        """`faults` is the server's live mapping (swapped at runtime), read at each push."""
        self._config, self._catalog, self._model = config, catalog, model
        self._protocols, self._faults, self._truth = protocols, faults, truth
        self._venue_ms, self._wall_ms = venue_ms, wall_ms
        self._deliver, self._listening = deliver, listening
        self._rng = np.random.default_rng([config.seed, 3])
        self._books: dict[Venue, dict[str, SimBook]] = {v: {} for v in protocols}
        self._last_push: dict[tuple[Venue, str], float] = {}
        self._held: dict[tuple[Venue, str], DepthEvent] = {}
        self._timers: dict[tuple[Venue, str], tuple[float, float]] = {}  # (period, due)

    # --- what sessions and REST handlers ask -------------------------------------------

    def book(self, venue: Venue, symbol: str) -> SimBook:
        """The venue's book of `symbol`, started now if nobody asked for it before."""
        book = self._books[venue].get(symbol)
        if book is None:
            spec = self._catalog.by_symbol[symbol]
            rules = spec.rules[venue]
            proto = self._protocols[venue]
            book = SimBook(spec, rules, proto.numbers, depth_quote=STYLES[venue].depth_quote,
                           min_lots=max(1, math.ceil(float(rules.min_qty) / rules.lot - 1e-9)),
                           rng=self._rng, checksums=proto.book_checksum,
                           top=self._model.quote(venue, symbol))
            self._books[venue][symbol] = book
            self._last_push[venue, symbol] = asyncio.get_running_loop().time()
        return book

    def snapshot(self, venue: Venue, symbol: str) -> DepthEvent:
        """The whole book for a new subscriber. Changes not pushed yet go to the other
        subscribers first, so the next update chains from this snapshot."""
        book = self.book(venue, symbol)
        self._push(venue, book, asyncio.get_running_loop().time(), idle=False)
        return book.snapshot(self._venue_ms())

    def view(self, venue: Venue, symbol: str, limit: int) -> BookView:
        """The book now, its best `limit` levels a side (a REST snapshot)."""
        book = self.book(venue, symbol)
        book.step(self._model.quote(venue, symbol))
        return book.view(limit)

    def changed(self, venue: Venue, symbol: str) -> None:
        """The venue's top of `symbol` changed (market profile): follow it now."""
        book = self._books[venue].get(symbol)
        if book is not None:
            book.step(self._model.quote(venue, symbol))

    # --- pushing -----------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        periods = {v: p.depth_push_ms / 1000.0 for v, p in self._protocols.items()}
        due = dict.fromkeys(periods, loop.time())
        while True:
            now = loop.time()
            for venue, at in due.items():
                if now >= at:
                    try:
                        self.flush(venue, now)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("depth push of %s failed", venue.value)
                    due[venue] = max(at + periods[venue], now)
            await asyncio.sleep(max(0.0, min(due.values()) - loop.time()))

    def flush(self, venue: Venue, now: float) -> None:
        """One push interval of `venue`: every book's changes since the last one."""
        for symbol, book in self._books[venue].items():
            book.step(self._model.quote(venue, symbol))
            self._push(venue, book, now, idle=True)

    def _push(self, venue: Venue, book: SimBook, now: float, *, idle: bool) -> None:
        key = venue, book.symbol
        if not book.pending:
            quiet = self._idle_s(venue)
            if not idle or quiet is None or now - self._last_push[key] < quiet:
                return
        self._last_push[key] = now
        event = book.push(self._venue_ms())
        out = self._faulted(venue, book, event, now)
        if out:
            self._deliver(venue, book.symbol, out)

    def _idle_s(self, venue: Venue) -> float | None:
        documented = self._protocols[venue].idle_update_s
        if documented is None:
            return None
        return self._config.book_idle_s if self._config.book_idle_s is not None else documented

    # --- faults ------------------------------------------------------------------

    def _faulted(self, venue: Venue, book: SimBook, event: DepthEvent, now: float
                 ) -> list[DepthEvent]:
        """The pushes to send for `event`: itself, or as a fault due now changes it."""
        key = venue, book.symbol
        held = self._held.pop(key, None)
        if held is not None:
            return [event, held]  # the push held back goes after this one
        if not (event.bids or event.asks) or not self._listening(venue, book.symbol):
            return [event]
        f, proto = self._faults[venue], self._protocols[venue]
        for kind, period, applies in (
                ("gap", f.book_gap_every_s, True),
                ("bad_checksum", f.book_bad_checksum_every_s, proto.book_checksum),
                ("restart", f.book_restart_every_s, proto.book_restarts),
                ("reorder", f.book_reorder_every_s, True)):
            if not (applies and self._due(venue, kind, period, now)):
                continue
            self._timers[venue, kind] = (period or 0.0, now + (period or 0.0))
            if kind == "restart":
                event = book.restart(event)
            self._truth.book_fault(venue, book.symbol, kind, event.update_id, event.number,
                                   self._wall_ms())
            if kind == "gap":
                return []
            if kind == "bad_checksum":
                return [replace(event, checksum=event.checksum ^ 1)]
            if kind == "reorder":
                self._held[key] = event
                return []
            return [event]
        return [event]

    def _due(self, venue: Venue, kind: str, period: float | None, now: float) -> bool:
        """A fault's timer: armed one period ahead when its period is set or changed."""
        key = venue, kind
        if not period or period <= 0:
            self._timers.pop(key, None)
            return False
        armed = self._timers.get(key)
        if armed is None or armed[0] != period:
            self._timers[key] = (period, now + period)
            return False
        return now >= armed[1]
