"""The inventory's part of a run, built beside the runtime so `arbot/runtime.py` stays the
wiring and its order: the coin-information readers (public or signed, per venue), the
last known costs loaded from the database, the service, and the two tasks (reading the
coin information every `[inventory] refresh_s`; putting the pair rules on the engine's
board as they change, and logging the rebalance plan as it changes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import aiohttp

from arbot.coininfo import CoinNetwork
from arbot.config import ArbotSettings, VenueCredentials
from arbot.config.credentials import missing_credentials
from arbot.domain import Venue
from arbot.engine.engine import Engine
from arbot.exchanges import adapter_for
from arbot.exchanges.coins import CoinBook, CoinReader, coin_reader, keep_reading, read_all
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.rest import RestClient
from arbot.exchanges.signing import Credentials
from arbot.inventory.report import InventoryReport
from arbot.inventory.service import Balances, Inventory
from arbot.storage.db import DatabaseError
from arbot.storage.intake import Intake
from arbot.storage.transfercosts import load_costs, store_costs

log = logging.getLogger("arbot.inventory")

RULES_EVERY_S = 1.0  # how soon a changed coin table reaches the detector
# The first read happens before any feed starts, so the detector judges the first quotes
# with the same pair rules as the rest (and a backtest of the run can repeat them); a
# venue slower than this is read again in the background.
FIRST_READ_S = 5.0


class InventoryRun:
    """The service and its tasks. `bind` hands it the engine and the trader's balances
    once they exist."""

    def __init__(self, settings: ArbotSettings, readers: Mapping[Venue, CoinReader],
                 writer: Intake | None, coins: CoinBook, problems: list[str]) -> None:
        self.coins = coins
        self.service = Inventory(settings, coins, mid=self._mid)
        self._readers = dict(readers)
        self._writer = writer
        self._engine: Engine | None = None
        self.problems = problems  # venues whose coin information cannot be read at all

    def bind(self, engine: Engine, balances: Balances | None, lost: Callable[[], int]) -> None:
        self._engine = engine
        self.service.balances = balances
        self.service.lost = lost
        self._put_rules()

    def report(self) -> InventoryReport:
        return self.service.report()

    def status_line(self, report: InventoryReport | None = None) -> str:
        return self.service.status_line(report)

    @property
    def refused(self) -> Mapping[Venue, list[str]]:
        """Per venue, its refused pairs and why (the venue status shows them)."""
        return self.service.refused

    def _mid(self, symbol: str) -> float | None:
        if self._engine is None:
            return None
        slot = self._engine.board.books.get(symbol)
        quotes = [q for q in (slot.v[: len(Venue)] if slot is not None else []) if q is not None]
        return (quotes[0].bid + quotes[0].ask) / 2 if quotes else None

    def _stored(self, venue: Venue, rows: list[CoinNetwork], read_ns: int) -> None:
        if self._writer is not None:
            store_costs(self._writer, venue, rows, read_ns)

    def _put_rules(self) -> None:
        rules = self.service.pair_rules()
        if rules is not None and self._engine is not None:
            for symbol, r in rules.items():
                self._engine.set_pair_rules(symbol, r)

    async def _watch(self, every_s: float) -> None:
        """Pair rules onto the board as they change; the plan logged as it changes."""
        waited = every_s
        while True:
            self._put_rules()
            if waited >= every_s:
                waited = 0.0
                for line in self.service.plan_lines(self.service.report()):
                    log.info("%s", line)
            await asyncio.sleep(RULES_EVERY_S)
            waited += RULES_EVERY_S

    def coroutines(self, status_every_s: float) -> dict[str, Coroutine[Any, Any, Any]]:
        every = self.service.settings.inventory.refresh_s
        tasks: dict[str, Coroutine[Any, Any, Any]] = {"inventory": self._watch(status_every_s)}
        if self._readers:
            tasks["coin-info"] = keep_reading(self.coins, self._readers, every, self._stored)
        return tasks


def _signing(venue: Venue, creds: VenueCredentials | None) -> Credentials | None:
    if creds is None or missing_credentials(venue, creds):
        return None
    assert creds.api_key is not None and creds.api_secret is not None
    return Credentials(creds.api_key.get_secret_value(), creds.api_secret.get_secret_value(),
                       creds.passphrase.get_secret_value() if creds.passphrase else "")


async def start_inventory(settings: ArbotSettings, session: aiohttp.ClientSession,
                          keys: Callable[[], dict[Venue, VenueCredentials]],
                          writer: Intake | None) -> InventoryRun:
    """The coin books loaded from the database, one reader per enabled venue that can be
    read (the reason for each that cannot), and the service."""
    coins = CoinBook()
    try:
        for venue, (rows, read_ns) in (await load_costs(settings.storage.path)).items():
            coins.update(venue, rows, read_ns)
    except DatabaseError as exc:
        log.warning("stored transfer costs not read: %s", exc)
    credentials = keys()
    readers: dict[Venue, CoinReader] = {}
    problems = []
    for venue in settings.exchanges.enabled_venues():
        adapter = adapter_for(venue)
        url = settings.exchanges.for_venue(venue).rest_url
        signing = _signing(venue, credentials.get(venue)) if adapter.coins_signed else None
        private = PrivateClient(adapter, url, signing, session) if signing else None
        found = coin_reader(adapter, RestClient(adapter, url, session), private)
        if isinstance(found, str):
            problems.append(found)
            coins.failed(venue, found)
        else:
            readers[venue] = found
    run = InventoryRun(settings, readers, writer, coins, problems)
    try:
        await asyncio.wait_for(read_all(coins, readers, run._stored), FIRST_READ_S)
    except TimeoutError:
        log.warning("coin information: not every venue answered within %g s; reading on "
                    "in the background", FIRST_READ_S)
    return run
