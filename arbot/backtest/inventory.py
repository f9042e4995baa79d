"""Inventory through a backtest: the replay's paper account starts from the configured
balances and moves with every fill (the trader's ledger); this module adds what the
inventory means for the result.

* Each segment's engine gets the pair rules of the coin information recorded with the
  source (`transfer_costs`, migration 9), as the live engine had them: refused pairs and
  the amortized transfer cost ([strategy] rebalance_cost).
* When each direction (buy venue -> sell venue, per symbol) first ran dry: its quote
  asset on the buy venue or its base asset on the sell venue fell below one
  [strategy] min_notional's worth, checked at the start and after every trade.
* The trades lost to inventory (the trader's `balance` refusals), and the rebalance plan
  that would bring the final balances back to the [inventory] targets: its total fees
  are the transfer cost, and the PnL is reported before and after it.
"""

from __future__ import annotations

from collections.abc import Callable

from arbot.backtest.history import History
from arbot.config import ArbotSettings
from arbot.domain import TradeOutcome, Venue
from arbot.engine.engine import Engine
from arbot.events import Sink
from arbot.exchanges.coins import CoinBook
from arbot.exchanges.symbols import parse_canonical
from arbot.inventory.pairing import pair_rules
from arbot.inventory.plan import plan
from arbot.timefmt import format_time_ns
from arbot.trading.ledger import Ledger


def recorded_coins(history: History) -> tuple[CoinBook, str]:
    """The coin information stored with the history (each venue's last read), and a note
    saying where the transfer costs came from, or why there are none."""
    coins = CoinBook()
    stored = history.transfer_costs()
    for venue, (rows, read_ns) in stored.items():
        coins.update(venue, rows, read_ns)
    if not stored:
        return coins, "none recorded: transfer costs unknown (0)"
    return coins, "recorded with the source: " + ", ".join(sorted(v.value for v in stored))


class ReplayInventory(Sink):
    def __init__(self, coins: CoinBook, source_note: str, ledger: Ledger | None,
                 clock: Callable[[], int]) -> None:
        self.coins = coins
        self.source_note = source_note  # where the coin information came from, or why none
        self.ledger = ledger
        self._clock = clock
        self.settings: ArbotSettings | None = None
        self.engine: Engine | None = None
        self.dry_at: dict[tuple[str, Venue, Venue], tuple[int, str]] = {}

    def engine_started(self, engine: Engine, settings: ArbotSettings) -> None:
        """A segment's fresh engine: the pair rules as live, then the directions checked."""
        self.engine, self.settings = engine, settings
        venues = settings.exchanges.enabled_venues()
        for symbol in settings.market.symbols:
            engine.set_pair_rules(symbol, pair_rules(symbol, venues, self.coins, settings))
        self._check()

    def on_trade(self, outcome: TradeOutcome) -> None:
        self._check()

    def mid(self, symbol: str) -> float:
        slot = self.engine.board.books.get(symbol) if self.engine is not None else None
        quotes = [q for q in (slot.v[: len(Venue)] if slot is not None else []) if q is not None]
        return (quotes[0].bid + quotes[0].ask) / 2 if quotes else 0.0

    def _check(self) -> None:
        settings, ledger = self.settings, self.ledger
        if settings is None or ledger is None:
            return
        floor = max(settings.strategy.min_notional, 1e-12)
        venues = settings.exchanges.enabled_venues()
        for symbol in settings.market.symbols:
            base, quote = parse_canonical(symbol)
            price = self.mid(symbol)
            for buy in venues:
                for sell in venues:
                    key = (symbol, buy, sell)
                    if buy == sell or key in self.dry_at:
                        continue
                    if ledger.free(buy, quote) < floor:
                        self.dry_at[key] = (self._clock(), f"{quote} on {buy}")
                    elif price > 0 and ledger.free(sell, base) * price < floor:
                        self.dry_at[key] = (self._clock(), f"{base} on {sell}")

    def price(self, asset: str) -> float:
        settings = self.settings
        for symbol in settings.market.symbols if settings is not None else []:
            base, quote = parse_canonical(symbol)
            if asset == quote:
                return 1.0
            if asset == base:
                return self.mid(symbol)
        return 0.0

    def summary(self, lost: int, pnl: float) -> dict[str, object]:
        """The report's `inventory` section."""
        settings, ledger = self.settings, self.ledger
        cost, transfers, notes = 0.0, [], []
        if settings is not None and ledger is not None:
            venues = settings.exchanges.enabled_venues()
            balances = ledger.snapshot()
            assets = list(dict.fromkeys(a for s in settings.market.symbols
                                        for a in parse_canonical(s)))
            inv = settings.inventory
            p = plan({a: {v: balances.get(v, {}).get(a, 0.0) for v in venues} for a in assets},
                     lambda a: inv.shares(a, venues), inv.tolerance, self.coins, self.price)
            cost, notes = p.cost_quote, p.notes
            transfers = [{"asset": t.asset, "from": t.from_venue.value, "to": t.to_venue.value,
                          "network": t.network, "amount": t.amount, "fee": t.fee,
                          "fee_quote": t.fee_quote} for t in p.transfers]
        ran_dry = [{"direction": f"{s} {b}>{v}", "at": format_time_ns(at), "limited_by": why}
                   for (s, b, v), (at, why) in sorted(self.dry_at.items(),
                                                      key=lambda kv: kv[1][0])]
        return {"coin_information": self.source_note, "ran_dry": ran_dry,
                "trades_lost_to_inventory": lost, "transfer_cost": cost,
                "transfers": transfers, "notes": notes, "pnl_before_transfers": pnl,
                "pnl_after_transfers": pnl - cost}
