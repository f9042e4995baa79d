"""The inventory service: hears every settled trade, reads balances from the trader's
ledger, keeps the coin information, and answers with one `InventoryReport` (the Inventory
screen, `GET /api/inventory`, the headless lines) and the detector's pair rules.

Nothing here sends anything to a venue but the coin-information reads: the rebalance
plan is advice, never a withdrawal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from arbot.config import ArbotSettings
from arbot.domain import TradeOutcome, Venue
from arbot.engine.pairs import PairRules
from arbot.events import Sink
from arbot.exchanges.coins import CoinBook
from arbot.exchanges.symbols import parse_canonical
from arbot.inventory.flow import Flows, Moved, trade_changes
from arbot.inventory.pairing import pair_rules, refusals
from arbot.inventory.plan import plan
from arbot.inventory.report import InventoryReport, build
from arbot.timefmt import format_duration
from arbot.tradekinds import TradeStatus

log = logging.getLogger("arbot.inventory")

Balances = Callable[[], Mapping[Venue, Mapping[str, float]]]
Mid = Callable[[str], float | None]  # a symbol's mid price now, None while unknown


class Inventory(Sink):
    def __init__(self, settings: ArbotSettings, coins: CoinBook, *, mid: Mid,
                 balances: Balances | None = None, lost: Callable[[], int] = lambda: 0,
                 wall_ns: Callable[[], int] = time.time_ns) -> None:
        self.settings = settings
        self.coins = coins
        self.balances = balances  # None: trading is off, no account to read
        self.lost = lost
        self._mid = mid
        self._wall = wall_ns
        self.flows = Flows(settings.inventory.rate_window_s, wall_ns())
        self.rules: dict[str, PairRules] = {}
        self.refused: dict[Venue, list[str]] = {}  # per venue, its refused pairs and why
        self._rules_for: tuple[int, int] = (-1, -1)
        self._plan_logged: str | None = None

    def apply(self, settings: ArbotSettings) -> None:
        self.settings = settings
        self.flows.window_ns = int(settings.inventory.rate_window_s * 1e9)
        self._rules_for = (-1, -1)

    # -- trades ---------------------------------------------------------------------

    def on_trade(self, outcome: TradeOutcome) -> None:
        if outcome.status is TradeStatus.OPEN:  # counted once, when it settles
            return
        base, quote = parse_canonical(outcome.symbol)
        self.flows.add(Moved(self._wall(), outcome.symbol, trade_changes(outcome, base, quote)))

    # -- pair rules -----------------------------------------------------------------

    def pair_rules(self) -> dict[str, PairRules] | None:
        """Every symbol's rules when the coin information or settings changed since the
        last call, else None (nothing to put on the board)."""
        stamp = (self.coins.version, id(self.settings))
        if stamp == self._rules_for:
            return None
        self._rules_for = stamp
        venues = self.settings.exchanges.enabled_venues()
        self.rules = {s: pair_rules(s, venues, self.coins, self.settings)
                      for s in self.settings.market.symbols}
        self.refused = refusals(self.rules)
        for venue, notes in self.refused.items():
            for note in notes:
                log.warning("%s: %s", venue, note)
        return self.rules

    # -- the report -----------------------------------------------------------------

    def price(self, asset: str) -> float:
        """One unit of `asset` in the quote currency: 1 for a quote asset, else the mid
        of the first watched symbol with it as base (0 while none is known)."""
        for symbol in self.settings.market.symbols:
            base, quote = parse_canonical(symbol)
            if asset == quote:
                return 1.0
            if asset == base:
                return self._mid(symbol) or 0.0
        return 0.0

    def assets(self) -> list[str]:
        seen: dict[str, None] = {}
        for symbol in self.settings.market.symbols:
            for asset in parse_canonical(symbol):
                seen[asset] = None
        return list(seen)

    def report(self) -> InventoryReport:
        now = self._wall()
        venues = self.settings.exchanges.enabled_venues()
        balances = self.balances() if self.balances is not None else {}
        inv = self.settings.inventory
        shares = {a: inv.shares(a, venues) for a in self.assets()}
        held = {a: {v: balances.get(v, {}).get(a, 0.0) for v in venues} for a in shares}
        notes = [] if self.balances is not None else [
            "trading is off: no account balances to read"]
        notes += [p for v in venues if (p := self.coins.problems.get(v))]
        rebalance = plan(held, shares.__getitem__, inv.tolerance, self.coins, self.price)
        return build(now, balances, self.settings.market.symbols, venues, shares,
                     self.flows.rates_per_h(now), self.lost(), rebalance, notes, self.refused)

    def status_line(self, report: InventoryReport | None = None) -> str:
        """The headless line: the largest skew, the soonest direction to run dry, the
        opportunities lost to inventory and the plan's cost."""
        r = report or self.report()
        worst = max(r.holdings, key=lambda h: abs(h.skew), default=None)
        dry = min((d for d in r.directions if d.runs_dry_s is not None),
                  key=lambda d: d.runs_dry_s or 0.0, default=None)
        parts = [f"largest skew {worst.asset} on {worst.venue} {worst.skew * 100:+.1f}%"
                 if worst is not None else "no balances"]
        parts.append(f"soonest dry {dry.symbol} {dry.buy_venue}->{dry.sell_venue} in "
                     f"{format_duration(dry.runs_dry_s)} ({dry.limited_by})"
                     if dry is not None else "nothing running dry")
        parts.append(f"{r.lost_to_inventory} lost to inventory")
        parts.append(f"rebalance {len(r.rebalance)} transfers, fees {r.rebalance_cost:.4f}")
        return "inventory " + "; ".join(parts)

    def plan_lines(self, report: InventoryReport) -> list[str]:
        """The plan as log lines, only when it changed since it was last logged."""
        lines = [f"rebalance: move {t.amount:.8g} {t.asset} {t.from_venue} -> {t.to_venue} "
                 f"via {t.network}, fee {t.fee:g} {t.asset} ({t.fee_quote:.4f} quote), "
                 f"~{t.minutes:g} min (advice only: nothing is sent)" for t in report.rebalance]
        text = "\n".join(f"{t.asset} {t.from_venue} {t.to_venue} {t.network}"
                         for t in report.rebalance)
        if text == self._plan_logged:
            return []
        self._plan_logged = text
        return lines or ["rebalance: inventory within target, no transfer planned"]

