"""One simulated trading account per venue: balances, orders and the matching rule.

Orders are matched against the top of book the venue's WebSocket shows right now (the
same `PriceModel.quote` integers the pushes are built from): a buy limited at P takes
the displayed ask when P >= ask, up to the displayed ask size; a sell takes the bid.
What does not fill expires (IOC), is dropped whole (FOK) or rests (GTC) with its funds
locked. A resting order never trades later (the simulated book has no queue), but it
can be cancelled. The taker fee is charged in the asset received (buy: base, sell:
quote), as the venues do for spot by default. Amounts are exact
Decimals; every change to an order or balance happens in one synchronous call, so a
request never sees half an update.

Venue differences (ids, names, error codes, response shapes) live in the
`<venue>_private` modules; nothing here asks which venue it is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from decimal import ROUND_DOWN, Decimal
from types import MappingProxyType

from arbot.domain import Venue
from arbot.sim.config import Accounts, FeeRates
from arbot.sim.instruments import SymbolSpec, on_grid
from arbot.sim.orders import (
    ZERO,
    AccountView,
    Balance,
    CancelError,
    Fill,
    Forced,
    Reject,
    Side,
    SimOrder,
    State,
    Tif,
    Top,
)

__all__ = ["AccountView", "Balance", "CancelError", "Fill", "Forced", "Reject", "Side",
           "SimOrder", "State", "Tif", "Top", "VenueAccount", "starting_balances"]

def starting_balances(accounts: Accounts, specs: Iterable[SymbolSpec]) -> dict[str, Decimal]:
    """Every quote asset at `quote_balance`, every base asset worth `base_value` at its
    start price (cut to 8 places), then the explicit `balances` on top."""
    out: dict[str, Decimal] = {}
    for spec in specs:
        out.setdefault(spec.quote, accounts.quote_balance)
        base = accounts.base_value / Decimal(repr(spec.price))
        out.setdefault(spec.base, base.quantize(Decimal("1e-8"), rounding=ROUND_DOWN))
    out.update(accounts.balances)
    return out


class VenueAccount:
    """Balances and orders of the demo account on one venue."""

    def __init__(self, venue: Venue, balances: Mapping[str, Decimal], fees: FeeRates,
                 top: Callable[[SymbolSpec], Top], now_ms: Callable[[], int], *,
                 first_order_id: int = 1, unique_among_open: bool = False,
                 checks_min_qty: bool = True) -> None:
        self.venue = venue
        self.fees = fees
        self._top = top
        self._now_ms = now_ms
        self._unique_among_open = unique_among_open
        """Some venues: "newClientOrderId: A unique id among open orders"; others: ever."""
        self._checks_min_qty = checks_min_qty
        self._balances = {a: Balance(Decimal(v)) for a, v in balances.items()}
        self._orders: dict[int, SimOrder] = {}
        self._by_client: dict[str, int] = {}
        self._next_id = first_order_id
        self._next_trade = 1
        self._rejects: deque[Forced] = deque()
        self._history_only: set[int] = set()
        self._caps: deque[Decimal] = deque()
        self.listeners: list[Callable[[SimOrder], None]] = []
        self.balance_listeners: list[Callable[[str], None]] = []
        """Told of a balance moved without an order (`set_free`), by asset."""
        """Told of every order placed or cancelled, after its balances moved (the
        private streams push from here)."""

    # --- test knobs ----------------------------------------------------------------

    def reject_next(self, forced: Forced, count: int = 1) -> None:
        self._rejects.extend([forced] * count)

    def restart(self) -> None:
        """The venue's service restarted: the orders finished so far are kept in its
        order history only (each venue module decides which lookups still show them)."""
        self._history_only.update(i for i, o in self._orders.items() if not o.is_open)

    def history_only(self, order: SimOrder) -> bool:
        """True for an order finished before the last `restart`."""
        return order.order_id in self._history_only

    def cap_next_fills(self, fraction: Decimal, count: int = 1) -> None:
        """The next `count` orders fill at most `fraction` of what they would have."""
        self._caps.extend([fraction] * count)

    def set_free(self, asset: str, free: Decimal) -> None:
        """Behind the trader's back (a manual trade, a deposit, a withdrawal): the asset's
        free balance becomes `free`; what orders hold stays."""
        self._move(asset, free - self.balance(asset).free, ZERO)
        for listener in self.balance_listeners:
            listener(asset)

    # --- reading -------------------------------------------------------------------

    def view(self) -> AccountView:
        return AccountView(MappingProxyType(dict(self._balances)), tuple(self._orders.values()))

    def top(self, spec: SymbolSpec) -> Top:
        """The top of book orders match against now (for a venue's own price checks)."""
        return self._top(spec)

    def balance(self, asset: str) -> Balance:
        return self._balances.get(asset, Balance(ZERO))

    def find(self, *, client_id: str | None = None, order_id: int | None = None
             ) -> SimOrder | None:
        """By venue order id, else by client id; both given must name the same order."""
        if order_id is not None:
            order = self._orders.get(order_id)
            if order is not None and client_id is not None and order.client_id != client_id:
                return None
            return order
        if client_id:
            found = self._by_client.get(client_id)
            return None if found is None else self._orders[found]
        return None

    # --- trading -------------------------------------------------------------------

    def place(self, spec: SymbolSpec, side: Side, price: Decimal, qty: Decimal, tif: Tif,
              client_id: str = "") -> SimOrder | Reject | Forced:
        """Validate, match and book one limit order; balances change with it."""
        if self._rejects:
            return self._rejects.popleft()
        problem = self._check(spec, side, price, qty, client_id)
        if problem is not None:
            return problem
        now = self._now_ms()
        fee_asset = spec.base if side is Side.BUY else spec.quote
        order = SimOrder(self._next_id, client_id, spec, side, tif, price, qty, now, now,
                         fee_asset)
        self._next_id += 1
        fill_qty, fill_px = self._match(spec, side, price, qty, tif)
        if fill_qty:
            order = self._fill(order, fill_px, fill_qty)
        if order.filled == qty:
            order = replace(order, state=State.FILLED)
        elif tif is not Tif.GTC:
            order = replace(order, state=State.EXPIRED)
        else:
            asset, amount = self._hold(order)
            self._move(asset, -amount, amount)
            order = replace(order, state=State.PARTIALLY_FILLED if order.filled else State.NEW)
        self._orders[order.order_id] = order
        if client_id:
            self._by_client[client_id] = order.order_id
        self._tell(order)
        return order

    def cancel(self, *, client_id: str | None = None, order_id: int | None = None
               ) -> SimOrder | CancelError:
        order = self.find(client_id=client_id, order_id=order_id)
        if order is None:
            return CancelError.NOT_FOUND
        if not order.is_open:
            return CancelError.FINISHED
        asset, amount = self._hold(order)
        self._move(asset, amount, -amount)
        order = replace(order, state=State.CANCELED, updated_ms=self._now_ms())
        self._orders[order.order_id] = order
        self._tell(order)
        return order

    def _tell(self, order: SimOrder) -> None:
        for listener in self.listeners:
            listener(order)

    # --- internals -----------------------------------------------------------------

    def _check(self, spec: SymbolSpec, side: Side, price: Decimal, qty: Decimal,
               client_id: str) -> Reject | None:
        rules = spec.rules[self.venue]
        if price <= 0 or not on_grid(price, rules.price_dp):
            return Reject.PRICE_TICK
        if qty <= 0 or not on_grid(qty, rules.qty_dp):
            return Reject.LOT_SIZE
        if self._checks_min_qty and qty < Decimal(rules.min_qty):
            return Reject.MIN_QTY
        if price * qty < Decimal(rules.min_notional):
            return Reject.MIN_NOTIONAL
        if client_id in self._by_client:
            prior = self._orders[self._by_client[client_id]]
            if prior.is_open or not self._unique_among_open:
                return Reject.DUPLICATE
        asset, need = (spec.quote, price * qty) if side is Side.BUY else (spec.base, qty)
        if self.balance(asset).free < need:
            return Reject.INSUFFICIENT
        return None

    def _match(self, spec: SymbolSpec, side: Side, price: Decimal, qty: Decimal, tif: Tif
               ) -> tuple[Decimal, Decimal]:
        """(quantity, price) taken from the displayed top of book; (0, 0) when none."""
        top = self._top(spec)
        if side is Side.BUY:
            crosses, size, px = price >= top.ask, top.ask_qty, top.ask
        else:
            crosses, size, px = price <= top.bid, top.bid_qty, top.bid
        fill = min(qty, size) if crosses else ZERO
        if self._caps:
            lot = Decimal(1).scaleb(-spec.rules[self.venue].qty_dp)
            fill = (fill * self._caps.popleft()).quantize(lot, rounding=ROUND_DOWN)
        if tif is Tif.FOK and fill < qty:
            fill = ZERO
        return (fill, px) if fill > 0 else (ZERO, ZERO)

    def _fill(self, order: SimOrder, px: Decimal, qty: Decimal) -> SimOrder:
        spec, rate = order.spec, self.fees.taker
        quote = px * qty
        if order.side is Side.BUY:
            fee = qty * rate
            self._move(spec.quote, -quote, ZERO)
            self._move(spec.base, qty - fee, ZERO)
        else:
            fee = quote * rate
            self._move(spec.base, -qty, ZERO)
            self._move(spec.quote, quote - fee, ZERO)
        fill = Fill(px, qty, fee, self._next_trade)
        self._next_trade += 1
        return replace(order, filled=order.filled + qty, quote=order.quote + quote,
                       fee=order.fee + fee, fills=(*order.fills, fill))

    def _hold(self, order: SimOrder) -> tuple[str, Decimal]:
        """What a resting order keeps locked: the quote for the rest of a buy at its
        limit price, or the base for the rest of a sell."""
        if order.side is Side.BUY:
            return order.spec.quote, order.remaining * order.price
        return order.spec.base, order.remaining

    def _move(self, asset: str, free: Decimal, locked: Decimal) -> None:
        old = self.balance(asset)
        self._balances[asset] = Balance(old.free + free, old.locked + locked)
