"""The live executor: real orders through each venue's signed REST client.

Every venue's keys come from the environment (or, in `--demo`, from the simulator); a
venue without keys cannot be traded, and a trade that needs it is refused before any
order. An order's final state comes from the venue's private stream when it is live
(`inbox`, fed by `arbot.exchanges.privatefeed`), else from REST lookups; a venue whose
stream login is refused cannot be traded until it logs in. Fills are booked in the
ledger once, when an order's report is final, and the ledger is reloaded from the
venues now and then to catch what they know better.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

from arbot.domain import Balance, FeeRates, OrderReport, OrderRequest, OrderStatus, Venue
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.privatefeed import PrivateFeed
from arbot.exchanges.restspec import RestError
from arbot.privateevents import StreamStatus
from arbot.tradekinds import TradingMode
from arbot.trading.bandprices import BandPrices
from arbot.trading.executor import SendCheck
from arbot.trading.ledger import Ledger
from arbot.trading.preflight import Instruments
from arbot.trading.streaminbox import StreamInbox

log = logging.getLogger("arbot.trading")

ORDER_WINDOW_MARGIN_S = 2.0


class LiveExecutor:
    mode = TradingMode.LIVE

    def __init__(self, clients: Mapping[Venue, PrivateClient], instruments: Instruments,
                 ledger: Ledger) -> None:
        self.clients = dict(clients)
        self.instruments = instruments
        self.ledger = ledger
        self.inbox = StreamInbox()  # the private streams' sink
        self.feeds: list[PrivateFeed] = []  # those streams, for the runtime to run
        self.band_prices = BandPrices()  # kept fresh by the runtime (`keep_fresh`)
        self._booked: set[str] = set()

    def counted(self, client_ids: Iterable[str]) -> None:
        """Orders whose fills the venues' balances, read at start, already hold (an
        earlier run's): looking them up settles them in the journal but must not move the
        ledger again."""
        self._booked.update(client_ids)

    def _client(self, venue: Venue) -> PrivateClient | None:
        return self.clients.get(venue)

    def _with_venue_symbol(self, req: OrderRequest) -> OrderRequest | None:
        """The order under its venue's own symbol: as journaled, else from the venue's
        instruments; None when neither knows it. Never a guess: a lookup under a wrong
        symbol answers "no such order" for an order that exists."""
        if req.venue_symbol:
            return req
        inst = self.instruments.get((req.venue, req.symbol))
        if inst is None:
            return None
        return OrderRequest(client_id=req.client_id, venue=req.venue, symbol=req.symbol,
                            venue_symbol=inst.venue_id, side=req.side, price=req.price, qty=req.qty)

    async def place(self, req: OrderRequest, check: SendCheck | None = None) -> OrderReport:
        client = self._client(req.venue)
        if client is None:
            return OrderReport(client_id=req.client_id, venue_order_id="",
                               status=OrderStatus.REJECTED, error=f"no API keys for {req.venue}")
        return self._book(req, await client.place(req, check))

    async def status(self, req: OrderRequest) -> OrderReport:
        client = self._client(req.venue)
        if client is None:
            return OrderReport(client_id=req.client_id, venue_order_id="",
                               status=OrderStatus.UNKNOWN,
                               error=f"no API keys for {req.venue}: cannot look the order up")
        named = self._with_venue_symbol(req)
        if named is None:
            return _unnamed(req, "cannot look the order up")
        return self._book(req, await client.order_status(named))

    async def cancel(self, req: OrderRequest) -> OrderReport:
        client = self._client(req.venue)
        if client is None:
            return OrderReport(client_id=req.client_id, venue_order_id="",
                               status=OrderStatus.UNKNOWN,
                               error=f"no API keys for {req.venue}: cannot cancel")
        named = self._with_venue_symbol(req)
        if named is None:
            return _unnamed(req, "cannot cancel")
        return self._book(req, await client.cancel(named))

    def order_window_s(self, venue: Venue) -> float:
        """The venue's request window plus a margin for clock offsets and transit."""
        client = self._client(venue)
        if client is None:
            return 0.0
        return client.adapter.order_window_ms / 1000 + ORDER_WINDOW_MARGIN_S

    def can_look_up(self, venue: Venue) -> bool:
        return venue in self.clients

    def blocked(self, venue: Venue) -> str:
        client = self._client(venue)
        if client is None:
            return f"no API keys for {venue}"
        if client.paused:
            return f"{venue} is paused after a rate-limit answer"
        return self.inbox.refused(venue)

    def streams(self) -> Mapping[Venue, StreamStatus]:
        return self.inbox.status

    def band_price(self, venue: Venue, symbol: str) -> float | None:
        return self.band_prices.get(venue, symbol)

    def stream_epoch(self, venue: Venue) -> int | None:
        return self.inbox.live_epoch(venue)

    async def pushed(self, req: OrderRequest, epoch: int, wait_s: float
                     ) -> OrderReport | None:
        update = await self.inbox.final(req.venue, req.client_id, epoch, wait_s)
        return None if update is None else self._book(req, update.report())

    async def balances(self, venue: Venue) -> dict[str, Balance]:
        client = self._client(venue)
        return {} if client is None else await client.balances()

    async def fee_rates(self, venue: Venue, venue_symbol: str) -> FeeRates | None:
        client = self._client(venue)
        return None if client is None else await client.fee_rates(venue_symbol)

    async def account_taker_bps(self) -> dict[Venue, float]:
        """Per venue with keys, its account taker fee in bps: the highest over the symbols
        with known rules (a venue whose rates cannot be read is left out, and logged)."""
        out = {}
        for venue in self.clients:
            rates: list[float] = []
            for (v, _), inst in list(self.instruments.items()):
                if v is not venue:
                    continue
                try:
                    fee = await self.fee_rates(venue, inst.venue_id)
                except RestError as exc:
                    log.warning("live: %s fee rate unavailable, keeping the configured fee: "
                                "%s", venue, exc)
                    rates = []
                    break
                if fee is not None:
                    rates.append(fee.taker)
            if rates:
                out[venue] = max(rates) * 10_000
        return out

    async def sync(self) -> list[str]:
        """Clock offsets and balances from every venue with keys; returns problems."""
        problems = []

        async def one(venue: Venue, client: PrivateClient) -> None:
            try:
                await client.sync_clock()
                self.ledger.set_venue(venue, await client.balances())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one venue failing must not stop the others
                problems.append(f"{venue}: {exc}")

        await asyncio.gather(*(one(v, c) for v, c in self.clients.items()))
        return problems

    def _book(self, req: OrderRequest, report: OrderReport) -> OrderReport:
        """Move the ledger by a final report's fill, once per order."""
        if report.status.final and report.filled_qty > 0 and req.client_id not in self._booked:
            inst = self.instruments.get((req.venue, req.symbol))
            if inst is not None:
                self._booked.add(req.client_id)
                self.ledger.apply_fill(req.venue, inst.base, inst.quote, req.side,
                                       report.filled_qty, report.avg_price, report.fee,
                                       report.fee_asset)
        return report


def _unnamed(req: OrderRequest, what: str) -> OrderReport:
    return OrderReport(client_id=req.client_id, venue_order_id="", status=OrderStatus.UNKNOWN,
                       error=f"{req.venue}'s id for {req.symbol} is not known yet: {what}")
