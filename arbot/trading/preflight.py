"""Pre-flight: everything checked on BOTH legs before either order exists.

An opportunity becomes a `TradePlan` only when one quantity, quantized with `Decimal` to
both venues' lot sizes, meets both venues' minimum quantity and notional, both accounts
can pay for it (quote plus fee on the buy venue, base on the sell venue), both limit
prices sit inside their venue's price band (`priceband`), and the trade is still
profitable at the rounded size. Anything else is a `Rejection` whose `step`
names the funnel counter and whose `reason` says which venue and which rule.

The trade is the walked one (docs/depth.md, "The walk"): sized by `walk_size`, each leg
an IOC limit at the worst level walked on its side plus the slippage allowance, and
expected to fill at the walk's VWAPs. At depth 1 the walk is the top of book, so the
orders are the top-of-book ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import msgspec

from arbot.domain import Instrument, Opportunity, OrderRequest, Side, Venue
from arbot.trading.ledger import Ledger
from arbot.trading.priceband import band_problem
from arbot.trading.quantize import common_step, limit_price, lots, rule, text

Instruments = Mapping[tuple[Venue, str], Instrument]


class Rejection(msgspec.Struct, frozen=True):
    step: str
    reason: str


class TradePlan(msgspec.Struct, frozen=True):
    """Both legs of one arbitrage, ready to send; prices are the IOC limits."""

    trade_id: str
    episode_id: str
    symbol: str
    base: str
    quote: str
    qty: float
    buy: OrderRequest
    sell: OrderRequest
    buy_price: float  # the walk's VWAPs: the expected average fills
    sell_price: float
    buy_worst: float  # the worst levels walked, before the allowance (a chase's anchor)
    sell_worst: float
    buy_fee_rate: float
    sell_fee_rate: float
    expected_profit: float
    notional: float  # quote currency at the buy limit


class Walked(msgspec.Struct, frozen=True):
    """The figures a trade is made of: the opportunity's walk, or its top of book when
    it carries no walk (recorded before depth existed, or built by hand)."""

    size: float
    buy_vwap: float
    sell_vwap: float
    buy_worst: float
    sell_worst: float


def walked(opp: Opportunity) -> Walked:
    if opp.walk_size > 0:
        return Walked(opp.walk_size, opp.buy_vwap, opp.sell_vwap, opp.buy_worst,
                      opp.sell_worst)
    return Walked(opp.size, opp.buy.ask, opp.sell.bid, opp.buy.ask, opp.sell.bid)


def preflight(opp: Opportunity, episode_id: str, trade_id: str, instruments: Instruments,
              ledger: Ledger, slippage_bps: float,
              band_price: Callable[[Venue, str], float | None] | None = None
              ) -> TradePlan | Rejection:
    symbol = opp.symbol
    buy_inst = instruments.get((opp.buy.venue, symbol))
    sell_inst = instruments.get((opp.sell.venue, symbol))
    for venue, inst in ((opp.buy.venue, buy_inst), (opp.sell.venue, sell_inst)):
        if inst is None:
            return Rejection("not_tradable", f"no trading rules for {symbol} on {venue}")
        if not inst.trading:
            return Rejection("not_tradable", f"{symbol} is {inst.status} on {venue}")
    assert buy_inst is not None and sell_inst is not None
    buy_fee, sell_fee = opp.buy_fee_bps / 10_000, opp.sell_fee_bps / 10_000
    w = walked(opp)
    buy_px = limit_price(w.buy_worst, rule(buy_inst.tick_size), Side.BUY, slippage_bps)
    sell_px = limit_price(w.sell_worst, rule(sell_inst.tick_size), Side.SELL, slippage_bps)
    # What the accounts can pay for: quote (with fee) on the buy side, base on the sell side.
    quote_free = ledger.free(opp.buy.venue, buy_inst.quote)
    base_free = ledger.free(opp.sell.venue, sell_inst.base)
    affordable = min(quote_free / (float(buy_px) * (1 + buy_fee)), base_free)
    wanted = min(w.size, affordable)
    step = common_step(rule(buy_inst.lot_size), rule(sell_inst.lot_size))
    qty = lots(wanted, step)
    short = "balance" if affordable < w.size else None
    if qty <= 0:
        if short:
            return _balance(opp, buy_inst, sell_inst, quote_free, base_free)
        return Rejection("lot_size", f"{w.size:g} {buy_inst.base} rounds to 0 at the common "
                                     f"lot {text(step)} ({opp.buy.venue} {buy_inst.lot_size}, "
                                     f"{opp.sell.venue} {sell_inst.lot_size})")
    for venue, inst, px in ((opp.buy.venue, buy_inst, buy_px),
                            (opp.sell.venue, sell_inst, sell_px)):
        if qty < rule(inst.min_qty):
            if short:
                return _balance(opp, buy_inst, sell_inst, quote_free, base_free)
            return Rejection("min_qty", f"{text(qty)} {inst.base} is below {venue}'s minimum "
                                        f"quantity {inst.min_qty}")
        if qty * px < rule(inst.min_notional):
            if short:
                return _balance(opp, buy_inst, sell_inst, quote_free, base_free)
            return Rejection("min_notional", f"{text(qty * px)} {inst.quote} is below {venue}'s "
                                             f"minimum notional {inst.min_notional}")
    for venue, inst, side, px, book in ((opp.buy.venue, buy_inst, Side.BUY, buy_px, opp.buy),
                                        (opp.sell.venue, sell_inst, Side.SELL, sell_px,
                                         opp.sell)):
        why = band_problem(inst.price_band, side, px, book,
                           band_price(venue, symbol) if band_price is not None else None)
        if why:
            return Rejection("price_band", f"{venue}'s price band: {why}")
    q = float(qty)
    # A size cut by balances keeps the whole walk's VWAPs: its best levels do no worse.
    profit = q * (w.sell_vwap * (1 - sell_fee) - w.buy_vwap * (1 + buy_fee))
    if profit <= 0:
        return Rejection("unprofitable", f"no profit left at {text(qty)} {buy_inst.base}")
    buy = OrderRequest(client_id=f"{trade_id}b", venue=opp.buy.venue, symbol=symbol,
                       venue_symbol=buy_inst.venue_id, side=Side.BUY, price=text(buy_px),
                       qty=text(qty))
    sell = OrderRequest(client_id=f"{trade_id}s", venue=opp.sell.venue, symbol=symbol,
                        venue_symbol=sell_inst.venue_id, side=Side.SELL, price=text(sell_px),
                        qty=text(qty))
    return TradePlan(trade_id, episode_id, symbol, buy_inst.base, buy_inst.quote, q, buy, sell,
                     w.buy_vwap, w.sell_vwap, w.buy_worst, w.sell_worst, buy_fee, sell_fee,
                     profit, float(qty * buy_px))


def _balance(opp: Opportunity, buy: Instrument, sell: Instrument, quote_free: float,
             base_free: float) -> Rejection:
    return Rejection("balance", f"not enough to trade: {quote_free:g} {buy.quote} on "
                                f"{opp.buy.venue}, {base_free:g} {sell.base} on {opp.sell.venue}")


def quantize_qty(qty: float, inst: Instrument) -> Decimal:
    """A follow-up order's quantity (unwind, chase) floored to one venue's lot."""
    return lots(qty, rule(inst.lot_size))
