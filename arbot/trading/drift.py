"""Balances that stay true: each venue's balances, as the venue reports them, compared with
what the ledger expects from the fills it booked.

The ledger moves only by ArBot's own fills, so a manual trade, a deposit or withdrawal, or
a fee charged in an asset the report did not name leaves it wrong, and a pre-flight that
trusts it sizes orders from money that is not there. Every balance report, from the REST
check (`arbot.trading.balancecheck`) or a private stream, comes through `observe`. An
asset whose venue balance and expectation differ by more than `max_drift` (relative to the
larger) is a drift: it is logged once, recorded, told to the drift sinks, and the venue
opens no trade until the drift is acknowledged (the ledger then takes the venue's number)
or a later report finds it back within bounds.

A report is only compared while no trade is in flight on the venue: a fill the venue
already shows may not be booked yet, and that is not drift.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Collection, Mapping
from typing import Protocol

import msgspec

from arbot.domain import Balance, Venue
from arbot.events import BalanceDriftSink
from arbot.trading.ledger import Ledger

log = logging.getLogger("arbot.trading")


class BalanceSource(enum.StrEnum):
    """Where a balance report came from, and whether it lists every asset."""

    REST = "rest"  # the whole account: an asset it leaves out is at zero
    STREAM = "stream"  # what changed: an asset it leaves out is not known from it

    @property
    def complete(self) -> bool:
        return self is BalanceSource.REST


class Drift(msgspec.Struct, frozen=True, kw_only=True):
    """One asset on one venue out of bounds: what the ledger expected, what the venue
    showed, from which report and when (wall ns)."""

    venue: Venue
    asset: str
    expected: float
    actual: float
    source: BalanceSource
    ts_ns: int

    @property
    def relative(self) -> float:
        return relative_gap(self.expected, self.actual)


class ClearedBy(enum.StrEnum):
    ACKNOWLEDGED = "acknowledged"  # the user took the venue's number
    RESOLVED = "resolved"  # a later report found it back within bounds


class DriftRecord(Protocol):
    """Where drifts are kept (the database), in the order they happen."""

    def detected(self, drift: Drift) -> None: ...

    def cleared(self, venue: Venue, assets: Collection[str], how: ClearedBy, ts_ns: int
                ) -> None: ...


def relative_gap(expected: float, actual: float) -> float:
    """|actual - expected| over the larger of the two (0 when both are 0): 1 % of a
    balance is 1 % whichever side is the bigger, and an asset that appeared from nothing
    is a full 100 %."""
    scale = max(abs(expected), abs(actual))
    return abs(actual - expected) / scale if scale else 0.0


class DriftGuard:
    """The venues' balances against the ledger, and which venues drift keeps from
    opening trades. `assets(venue)` names the assets compared (those ArBot trades there);
    `busy(venue)` says a trade is in flight there."""

    def __init__(self, ledger: Ledger, max_drift: float,
                 assets: Callable[[Venue], Collection[str]],
                 busy: Callable[[Venue], bool], *,
                 wall_ns: Callable[[], int] = time.time_ns) -> None:
        self.ledger = ledger
        self.max_drift = max_drift
        self.sinks: list[BalanceDriftSink] = []
        self.record: DriftRecord | None = None
        self._assets = assets
        self._busy = busy
        self._wall = wall_ns
        self._open: dict[Venue, dict[str, Drift]] = {}
        self._rebase: set[Venue] = set()

    def busy(self, venue: Venue) -> bool:
        return self._busy(venue)

    def open(self) -> dict[Venue, tuple[Drift, ...]]:
        """The drifts not yet acknowledged or resolved, per venue."""
        return {v: tuple(d.values()) for v, d in self._open.items() if d}

    def blocked(self, venue: Venue) -> str:
        """Why `venue` must not open a trade now ("" when drift does not stop it)."""
        drifts = self._open.get(venue)
        if not drifts:
            return ""
        return f"balance drift on {venue} ({', '.join(drifts)}) is not acknowledged"

    def rebase(self, venue: Venue) -> None:
        """The venue's next complete report is taken as the truth, not compared: an
        earlier run's order settled now may or may not be in the balances read at start,
        and booking it again would count it twice."""
        self._rebase.add(venue)

    def observe(self, venue: Venue, balances: Mapping[str, Balance],
                source: BalanceSource) -> None:
        """One balance report from `venue`: compare, and open or clear drifts."""
        if self._busy(venue):
            return
        if venue in self._rebase:
            if source.complete:
                self._rebase.discard(venue)
                self.ledger.set_venue(venue, balances)
                log.info("balances of %s taken from the venue after settling an earlier "
                         "run's orders", venue)
                if venue in self._open:
                    self._clear(venue, list(self._open[venue]), ClearedBy.RESOLVED)
            return
        now = self._wall()
        found: dict[str, Drift] = {}
        for asset in sorted(self._assets(venue)):
            if asset not in balances and not source.complete:
                continue
            reported = balances.get(asset)
            actual = reported.free if reported is not None else 0.0
            expected = self.ledger.free(venue, asset)
            if relative_gap(expected, actual) > self.max_drift:
                found[asset] = Drift(venue=venue, asset=asset, expected=expected,
                                     actual=actual, source=source, ts_ns=now)
            elif asset in self._open.get(venue, {}):
                self._clear(venue, [asset], ClearedBy.RESOLVED)
        if found:
            self._opened(venue, found)

    def acknowledge(self, venue: Venue | None = None) -> list[Venue]:
        """The user accepts the venue's numbers (every venue's when None): the ledger moves
        by each drift's difference and the venue trades again. Returns the venues cleared."""
        venues = [v for v in (self._open if venue is None else [venue]) if self._open.get(v)]
        for v in venues:
            drifts = self._open[v]
            for d in drifts.values():
                self.ledger.adjust(v, d.asset, d.actual - d.expected)
            self._clear(v, list(drifts), ClearedBy.ACKNOWLEDGED)
        return venues

    def _opened(self, venue: Venue, found: dict[str, Drift]) -> None:
        drifts = self._open.setdefault(venue, {})
        new = [d for a, d in found.items() if a not in drifts]
        drifts.update(found)  # the latest numbers of drifts already open
        if not new:
            return
        log.warning("balance drift on %s: %s; no new trades on %s until it is acknowledged "
                    "or a later check finds it within %.2f%%", venue,
                    "; ".join(_describe(d) for d in new), venue, self.max_drift * 100)
        for d in new:
            if self.record is not None:
                self.record.detected(d)
            for sink in self.sinks:
                sink.on_balance_drift(venue, d.asset, d.expected, d.actual)

    def _clear(self, venue: Venue, assets: list[str], how: ClearedBy) -> None:
        drifts = self._open[venue]
        for asset in assets:
            del drifts[asset]
        if not drifts:
            del self._open[venue]
        log.warning("balance drift on %s %s (%s)%s", venue, how.value, ", ".join(assets),
                    "" if drifts else f"; {venue} trades again")
        if self.record is not None:
            self.record.cleared(venue, assets, how, self._wall())


def _describe(d: Drift) -> str:
    signed = (d.actual - d.expected) / max(abs(d.expected), abs(d.actual))
    return (f"{d.asset} is {d.actual:.8g} where the ledger expects {d.expected:.8g} "
            f"({signed:+.2%}, {d.source.value})")
