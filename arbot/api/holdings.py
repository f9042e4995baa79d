"""What the engine and the trader hold right now: quotes, balances (valued in the
market's quote currency) and the inventory report."""

from __future__ import annotations

import time

from aiohttp import web

from arbot.api import params
from arbot.api.convert import quote_out
from arbot.api.respond import json_response
from arbot.api.schemas import BalanceOut, QuoteOut
from arbot.inventory.report import InventoryReport
from arbot.valuation import mids_of, quote_currency, value_balances
from arbot.view import RuntimeView


class Holdings:
    """Reads of live state only; nothing here touches the database."""

    def __init__(self, runtime: RuntimeView) -> None:
        self.rt = runtime

    async def quotes(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset(("symbol",)))
        symbol = params.symbol(request.query)
        engine = self.rt.engine
        out: list[QuoteOut] = []
        if engine is not None:
            for sym, book in sorted(engine.board.books.items()):
                if symbol is None or sym == symbol:
                    out.extend(quote_out(entry[3]) for entry in book.entries() if entry is not None)
        return json_response(out)

    async def balances(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset())
        trader = self.rt.trader
        out: list[BalanceOut] = []
        if trader is None:
            return json_response(out)
        balances = {v.value: dict(assets) for v, assets in trader.ledger.snapshot().items()}
        engine = self.rt.engine
        mids = mids_of((q.venue.value, q.symbol, q.bid, q.ask)
                       for book in (engine.board.books.values() if engine is not None else ())
                       for q in (entry[3] for entry in book.entries() if entry is not None))
        currency = quote_currency(self.rt.settings.market.symbols)
        for valued in value_balances(balances, mids, currency):
            out.extend(BalanceOut(valued.venue, asset, balances[valued.venue][asset], currency,
                                  value, valued.total)
                       for asset, value in valued.values.items())
        return json_response(out)

    async def inventory(self, request: web.Request) -> web.Response:
        """Balances against targets, consumption, time to run dry, and the rebalance plan
        (under `rebalance`; advice only, nothing is ever withdrawn)."""
        params.check_known(request.query, frozenset())
        inv = self.rt.inventory
        report = inv.report() if inv is not None else InventoryReport(
            ts_ns=time.time_ns(), holdings=[], directions=[], lost_to_inventory=0,
            rebalance=[], rebalance_cost=0.0, notes=["the runtime has not started"])
        return json_response(report)
