"""The plausibility gate every parsed quote passes before any sink sees it (docs/design.md,
"Market-shaped truth").

`make_quote` refuses what no top of book can be (NaN, infinite, zero, negative, crossed),
but any finite magnitude parses: an ask of 1e30 or a bid of 3e-297 reads as well as
65000.01. Such a number is a corrupt frame, a venue bug or a placeholder, never a price,
and before this gate only the sanity filter, which a user can switch off, kept it out of
trades. Here each quote of a venue is checked against what is known about the symbol:

* Grid (`off_tick`): venues publish prices on the instrument's tick and sizes on its lot,
  so a price or size off that grid, or below one step, is a corrupt number. Checked where
  the venue's instruments were loaded. Floats are compared within 1/1000 of a step, which
  no parse rounding reaches below ~10^12 steps.
* Band (`out_of_band`): the bid and the ask must lie within `band` of the reference mid.
  The reference is the venue's own last good mid for the symbol; else (its first quote)
  any other venue's last good mid for it; else the quote's own other side (a spread wider
  than the band allows means one side is corrupt). With no price anywhere yet, a quote
  on the grid with a sane spread is the first reference.

Why 20 %: a digit slip moves a number 10x, a placeholder by orders of magnitude, while a
real market rarely moves a fifth between two pushes of one venue. Smaller mispricing
(one venue a few % off the others) is real data, judged by the sanity filter downstream.

A real new level must not lock a venue out. An out-of-band quote passes at once when
another venue's last good mid is within the band of it (the market moved there too);
otherwise `reanchor_after` consecutive rejected quotes whose mids agree within the band
re-anchor the venue at the new level, with a warning: corrupt numbers are random and do
not agree five times in a row, a venue publishing one level five times is publishing a
price. When those quotes were off the grid, the tick or lot changed since the instruments
were loaded (venues do change them), so the grid check stops for that symbol, with a
warning, rather than lock it out until a restart. The price of this: a venue that sends
one absurd level five times running is taken at its word (loudly); the cross-venue gap
that follows is then the sanity filter's to refuse.

Order (`out_of_order`): a quote stamped by the venue earlier than the last good one of
the symbol is stale, whatever its prices (a frame replayed or delivered late); a quote of
the same venue time passes (several books can share a millisecond). Each connection
starts its own order (`new_connection`): its first push is the venue's state now, whatever
its clock said on the last connection. Quotes without a venue time (an L1 channel that
sends none) are not ordered here.

A rejected quote is dropped and counted, like every dropped frame: the venue's previous
good quote stays its latest, judged like any other (`arbot.engine.freshness`), and is
replaced by the next good push. The recorder keeps exactly what the engine saw, so a backtest of the
recording replays the same quotes (docs/design.md, "Backtest equals paper equals
live"); withdrawing the quote instead would need a new event through every sink and the
recording.

Hot path: a dict lookup, a chained comparison and four multiply-modulo-compare steps on
floats precomputed per symbol; no allocation beyond the new band's two floats. About
0.3 µs per quote (bench/parse.py, `gate_us`), beside about 1 µs to parse the frame.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from arbot.domain import Instrument, Quote, Venue
from arbot.exchanges.drops import Drop
from arbot.exchanges.quotecheck import INF, quote_problem

log = logging.getLogger("arbot")

BAND = 0.2
REANCHOR_AFTER = 5
_TOL = 1e-3  # of a tick or lot
_NEAR_ONE = 1.0 - _TOL
_MIN_STEPS = _NEAR_ONE  # a price or size is at least one tick or lot
_FUTURE_SLACK_MS = 1_000
_NO_TIME = -(1 << 63)  # before any venue time: the first quote of a connection is in order


def inverse_step(step: str) -> float:
    """1 / tick (or lot) as a float; 0.0 where the venue gave none, which turns the grid
    check off (every number times 0 is on it)."""
    try:
        d = Decimal(step)
    except (InvalidOperation, ValueError):
        return 0.0
    return float(1 / d) if d.is_finite() and d > 0 else 0.0


class Anchor:
    """One venue's state for one symbol: the band around its last good mid (`lo` > `hi`
    until there is one), its grid, and the run of rejected quotes that may be a new level."""

    __slots__ = ("hi", "inv_lot", "inv_tick", "lo", "min_lot", "min_tick", "pending",
                 "pending_hi", "pending_lo", "ts")

    def __init__(self, inv_tick: float, inv_lot: float) -> None:
        self.lo = INF
        self.hi = -INF
        self.ts = _NO_TIME  # the venue time of the last good quote (ms)
        self.pending = 0
        self.pending_lo = INF
        self.pending_hi = -INF
        self.set_grid(inv_tick, inv_lot)

    def set_grid(self, inv_tick: float, inv_lot: float) -> None:
        self.inv_tick = inv_tick
        self.inv_lot = inv_lot
        self.min_tick = _MIN_STEPS if inv_tick else 0.0
        self.min_lot = _MIN_STEPS if inv_lot else 0.0

    @property
    def mid(self) -> float | None:
        """The last good mid (the band is symmetric around it), None before the first."""
        return (self.lo + self.hi) * 0.5 if self.lo <= self.hi else None


class GateBoard:
    """Every venue's anchors by symbol, shared by the venues' gates: a venue's first quote
    is checked against the others' prices, and a jump they share is a real one."""

    def __init__(self) -> None:
        self._anchors: dict[str, dict[Venue, Anchor]] = {}

    def add(self, venue: Venue, symbol: str, anchor: Anchor) -> None:
        self._anchors.setdefault(symbol, {})[venue] = anchor

    def forget(self, venue: Venue) -> None:
        """Drop a venue's anchors (its gate is being replaced)."""
        for by_venue in self._anchors.values():
            by_venue.pop(venue, None)

    def other_mids(self, symbol: str, venue: Venue) -> list[float]:
        """The last good mid of `symbol` on every venue but `venue` that has one."""
        return [m for v, a in self._anchors.get(symbol, {}).items()
                if v is not venue and (m := a.mid) is not None]


def _order_mark(ts_ms: int, recv_ns: int) -> int:
    """The venue time later quotes must not precede: the quote's, but never more than
    `_FUTURE_SLACK_MS` past its receive time, so a corrupt far-future stamp cannot hold
    the symbol's next quotes out (a local clock far behind the venue's then orders less)."""
    return min(ts_ms, recv_ns // 1_000_000 + _FUTURE_SLACK_MS)


def _on_step(x: float, inv: float, minimum: float) -> bool:
    r = x * inv
    f = r % 1.0
    return r >= minimum and (f <= _TOL or f >= _NEAR_ONE)


class QuoteGate:
    """One venue's gate; `check` each quote after parse. One gate serves all the venue's
    connections (each symbol is on one of them)."""

    def __init__(self, venue: Venue, instruments: Mapping[str, Instrument] | None = None,
                 board: GateBoard | None = None, *, band: float = BAND,
                 reanchor_after: int = REANCHOR_AFTER) -> None:
        if not 0.0 < band < 1.0 or reanchor_after < 1:
            raise ValueError("band must be in (0, 1) and reanchor_after at least 1")
        self.venue = venue
        self._grid = {s: (inverse_step(i.tick_size), inverse_step(i.lot_size))
                      for s, i in (instruments or {}).items()}
        self._board = board if board is not None else GateBoard()
        self._board.forget(venue)
        self._anchors: dict[str, Anchor] = {}
        self._lo_k = 1.0 - band
        self._hi_k = 1.0 + band
        self._spread_k = self._hi_k / self._lo_k
        self._band = band
        self._reanchor_after = reanchor_after
        self.reanchors = 0

    def check(self, q: Quote) -> Drop | None:
        """None to pass the quote on, else why it must be dropped (the caller counts it)."""
        a = self._anchors.get(q.symbol)
        if a is not None:
            ts = q.ts_exchange_ms
            if ts is not None and ts < a.ts:
                return Drop.OUT_OF_ORDER
            bid = q.bid
            ask = q.ask
            if a.lo <= bid < ask <= a.hi:
                t = a.inv_tick
                lot = a.inv_lot
                bs = q.bid_size * lot
                sz = q.ask_size * lot
                # Each number's distance from the grid: the fraction of a step near 0 or 1.
                if (((f := bid * t % 1.0) <= _TOL or f >= _NEAR_ONE)
                        and ((f := ask * t % 1.0) <= _TOL or f >= _NEAR_ONE)
                        and ((f := bs % 1.0) <= _TOL or f >= _NEAR_ONE)
                        and ((f := sz % 1.0) <= _TOL or f >= _NEAR_ONE)
                        and bs >= a.min_lot and sz >= a.min_lot):
                    mid = (bid + ask) * 0.5
                    a.lo = mid * self._lo_k
                    a.hi = mid * self._hi_k
                    a.pending = 0
                    if ts is not None:
                        a.ts = _order_mark(ts, q.ts_recv_ns)
                    return None
        return self._slow(q, a)

    def new_connection(self, symbols: Iterable[str]) -> None:
        """A connection carrying `symbols` (re)starts: their quotes are ordered afresh."""
        for symbol in symbols:
            a = self._anchors.get(symbol)
            if a is not None:
                a.ts = _NO_TIME

    # -- slow path: a first quote, or one that failed the fast checks ---------------

    def _slow(self, q: Quote, a: Anchor | None) -> Drop | None:
        bid, ask = q.bid, q.ask
        if not (0.0 < bid < ask < INF and 0.0 < q.bid_size < INF and 0.0 < q.ask_size < INF):
            return quote_problem(bid, q.bid_size, ask, q.ask_size)  # never a level
        if a is None:
            a = self._anchor(q.symbol)
        mid = (bid + ask) * 0.5
        reason = self._judge(q, a)
        if reason is None:
            self._accept(a, mid, q)
            return None
        agrees = a.pending and a.pending_lo <= mid <= a.pending_hi
        a.pending = a.pending + 1 if agrees else 1
        a.pending_lo, a.pending_hi = mid * self._lo_k, mid * self._hi_k
        if a.pending < self._reanchor_after:
            return reason
        self._reanchor(q, a, mid, reason)
        return None

    def _anchor(self, symbol: str) -> Anchor:
        a = Anchor(*self._grid.get(symbol, (0.0, 0.0)))
        self._anchors[symbol] = a
        self._board.add(self.venue, symbol, a)
        return a

    def _judge(self, q: Quote, a: Anchor) -> Drop | None:
        bid, ask = q.bid, q.ask
        if not (_on_step(bid, a.inv_tick, a.min_tick) and _on_step(ask, a.inv_tick, 0.0)
                and _on_step(q.bid_size, a.inv_lot, a.min_lot)
                and _on_step(q.ask_size, a.inv_lot, a.min_lot)):
            return Drop.OFF_TICK
        if a.lo <= bid and ask <= a.hi:
            return None
        if ask > bid * self._spread_k:
            return Drop.OUT_OF_BAND  # no mid has both sides within the band
        others = self._board.other_mids(q.symbol, self.venue)
        if any(m * self._lo_k <= bid and ask <= m * self._hi_k for m in others):
            return None  # another venue is there too
        if a.mid is None and not others:
            return None  # the first price anywhere
        return Drop.OUT_OF_BAND

    def _accept(self, a: Anchor, mid: float, q: Quote) -> None:
        a.lo = mid * self._lo_k
        a.hi = mid * self._hi_k
        a.pending = 0
        if q.ts_exchange_ms is not None:
            a.ts = _order_mark(q.ts_exchange_ms, q.ts_recv_ns)

    def _reanchor(self, q: Quote, a: Anchor, mid: float, reason: Drop | None) -> None:
        """Take the agreeing run's level, saying what was overruled: the grid, the band
        (judged again once the grid is off), or both."""
        self.reanchors += 1
        n = a.pending
        if reason is Drop.OFF_TICK:
            log.warning("%s %s: %d quotes in a row off the tick or lot loaded at start; the "
                        "venue's rules may have changed: no longer checking them for this "
                        "symbol until a restart", self.venue, q.symbol, n)
            a.set_grid(0.0, 0.0)
            reason = self._judge(q, a)
        if reason is not None:
            before = a.mid
            log.warning("%s %s: %d quotes in a row more than %g%% from the last good mid %s; "
                        "taking %.10g as the new level", self.venue, q.symbol, n,
                        self._band * 100, "(none)" if before is None else f"{before:.10g}", mid)
        self._accept(a, mid, q)
