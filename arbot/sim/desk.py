"""The trading desk behind the private endpoints: one account, one rate limiter and one
key table per venue, and the test knobs that change them while the server runs.

The server routes each private request here with the venue's handler; the desk adds
what the request cannot carry itself (the account, the limiter, the keys, the current
top of book) and runs the shared pipeline in `private.serve`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from functools import partial

from arbot.domain import Venue
from arbot.sim.account import Forced, Top, VenueAccount, starting_balances
from arbot.sim.config import SimConfig
from arbot.sim.instruments import Catalog, SymbolSpec, to_units
from arbot.sim.limits import Limiter, SkewedClock
from arbot.sim.prices import PriceModel
from arbot.sim.private import Handler, PrivateApi, Reply, serve
from arbot.sim.wire import RestRequest
from arbot.venues import VENUES, VenueClasses

# Each venue's private REST, `PRIVATE` in its `sim_private` module.
PRIVATE: Mapping[Venue, type[PrivateApi]] = VenueClasses[PrivateApi](
    "sim_private", "PRIVATE", PrivateApi)
USD_LIKE = frozenset({"USD", "USDT", "USDC"})


class TradingDesk:
    """Private REST state for every venue."""

    def __init__(self, config: SimConfig, catalog: Catalog, model: PriceModel,
                 clock: SkewedClock, lookup: Mapping[Venue, Mapping[str, SymbolSpec]]) -> None:
        acc = config.accounts
        self.catalog, self.model, self.clock, self.lookup = catalog, model, clock, lookup
        self.apis: dict[Venue, PrivateApi] = {v: cls(acc.mode_for(v))
                                              for v, cls in PRIVATE.items()}
        balances = starting_balances(acc, catalog.specs)
        self.accounts = {
            v: VenueAccount(v, balances, acc.fees_for(v), partial(self.top, v), clock.now_ms,
                            first_order_id=api.first_order_id,
                            unique_among_open=api.unique_among_open,
                            checks_min_qty=api.checks_min_qty)
            for v, api in self.apis.items()}
        self.limiters = {v: Limiter(acc.rate_limit_for(v)) for v in Venue}
        self.credentials = {v: acc.credentials_for(v) for v in Venue}

    def top(self, venue: Venue, spec: SymbolSpec) -> Top:
        """The venue's displayed top of book now, as the WS pushes build it."""
        q = self.model.quote(venue, spec.symbol)
        r = spec.rules[venue]
        return Top(to_units(Decimal(q.bid), r.price_dp), to_units(Decimal(q.bid_qty), r.qty_dp),
                   to_units(Decimal(q.ask), r.price_dp), to_units(Decimal(q.ask_qty), r.qty_dp))

    def usd(self, asset: str) -> Decimal:
        """USD value of one unit: 1 for dollar stablecoins, else the fair price of the
        first served `<asset>-<stablecoin>` symbol, else 0."""
        if asset in USD_LIKE:
            return Decimal(1)
        for spec in self.catalog.specs:
            if spec.base == asset and spec.quote in USD_LIKE:
                return Decimal(repr(round(self.model.fair(spec.symbol), 8)))
        return Decimal(0)

    def handle(self, venue: Venue, handler: Handler, req: RestRequest) -> Reply:
        creds = self.credentials[venue]
        return serve(self.apis[venue], handler, req, self.accounts[venue],
                     self.limiters[venue], {creds.key: creds}, self.lookup[venue], self.usd)

    # --- knobs (SimServer exposes these) --------------------------------------------

    def reject_orders(self, venue: Venue, code: int | str, msg: str, count: int = 1,
                      status: int | None = None) -> None:
        self.accounts[venue].reject_next(Forced(code, msg, status), count)

    def set_account_mode(self, venue: Venue, mode: str) -> None:
        known = VENUES[venue].account_modes
        if mode not in known:
            raise ValueError(f"{venue} has no account mode {mode!r} (it has {known})")
        self.apis[venue].account_mode = mode

    def restart(self, venue: Venue) -> None:
        self.accounts[venue].restart()

    def cap_fills(self, venue: Venue, fraction: float | Decimal, count: int = 1) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError(f"fill fraction {fraction} is not within 0..1")
        self.accounts[venue].cap_next_fills(Decimal(repr(fraction)) if isinstance(
            fraction, float) else fraction, count)

    def set_rate_limit(self, venue: Venue, requests: int, window_s: float) -> None:
        limiter = self.limiters[venue]
        limiter.limit = replace(limiter.limit, requests=requests, window_s=window_s)
