"""Builds the trader the settings ask for: the paper executor with its own account in
paper mode; in live mode the live executor over one signed client and one private
stream per venue that has keys (from the environment, or the simulator's demo keys that
`arbot.demo` hands in). The streams run as the runtime's tasks (`LiveExecutor.feeds`).
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from arbot.config import ArbotSettings, VenueCredentials, missing_credentials
from arbot.depth.board import DepthBoard
from arbot.domain import Quote, Venue
from arbot.exchanges import adapter_for, stream_for
from arbot.exchanges.feedbase import Connect, aiohttp_connect
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.privatefeed import PRIVATE_TIMING, PrivateFeed
from arbot.exchanges.signing import Credentials
from arbot.storage.journal import TradeJournal
from arbot.trading.executor import Executor
from arbot.trading.ledger import Ledger
from arbot.trading.live import LiveExecutor
from arbot.trading.paper import PaperExecutor
from arbot.trading.papertape import Tape
from arbot.trading.preflight import Instruments
from arbot.trading.trader import TradeListener, Trader

Book = Callable[[Venue, str], Quote | None]


def paper_executor(settings: ArbotSettings, book: Book, instruments: Instruments,
                   depth: DepthBoard | None = None) -> PaperExecutor:
    """The paper venue; with `depth` (the feed's books, `[market] depth` > 1) its orders
    walk the L2 books instead of the top level."""
    paper = settings.trading.paper
    ledger = Ledger({v: paper.starting(v) for v in Venue})
    fees = {v: settings.exchanges.for_venue(v).taker_fee_bps / 10_000 for v in Venue}
    return PaperExecutor(paper, book, instruments, fees, ledger, depth=depth)


def build_trader(settings: ArbotSettings, journal: TradeJournal, book: Book,
                 instruments: Instruments, *, run_id: int, armed: bool,
                 on_trade: TradeListener | None,
                 executor: Executor | None = None, ledger: Ledger | None = None,
                 depth: DepthBoard | None = None) -> Trader:
    """The trader over `executor` (paper by default, with its ledger, filling against
    `depth` when given, each trade on its own clock over a `Tape` of the books, which the
    runtime hands every quote)."""
    tape = None
    if executor is None:
        paper = paper_executor(settings, book, instruments, depth)
        executor, ledger, tape = paper, paper.ledger, Tape(book, depth)
    assert ledger is not None
    return Trader(settings.trading, executor, journal, ledger, instruments, book,
                  run_id=run_id, armed=armed, on_trade=on_trade, tape=tape)


class LiveRefused(Exception):
    """Live trading was armed at start but cannot trade at all (no keys anywhere)."""


def live_executor(settings: ArbotSettings, credentials: dict[Venue, VenueCredentials],
                  instruments: Instruments, session: aiohttp.ClientSession
                  ) -> tuple[LiveExecutor, str]:
    """The live executor over every enabled venue with complete keys, and a problem text
    ("" if none) naming the venues that lack keys and the variables to set."""
    clients: dict[Venue, PrivateClient] = {}
    streams: dict[Venue, Credentials] = {}
    lacking = []
    for venue in settings.exchanges.enabled_venues():
        creds = credentials.get(venue, VenueCredentials())
        missing = missing_credentials(venue, creds)
        if missing:
            lacking.append(f"{venue} (set {', '.join(missing)})")
            continue
        assert creds.api_key is not None and creds.api_secret is not None
        keys = Credentials(creds.api_key.get_secret_value(), creds.api_secret.get_secret_value(),
                           creds.passphrase.get_secret_value() if creds.passphrase else "")
        url = settings.exchanges.for_venue(venue).rest_url
        clients[venue] = PrivateClient(adapter_for(venue), url, keys, session)
        streams[venue] = keys
    problem = ""
    if not clients:
        problem = "no venue has API keys: " + "; ".join(lacking)
    elif lacking:
        problem = "these venues cannot trade without keys: " + "; ".join(lacking)
    executor = LiveExecutor(clients, instruments, Ledger())
    connect = aiohttp_connect(session, PRIVATE_TIMING)
    executor.feeds = [private_feed(venue, settings, keys, executor, connect)
                      for venue, keys in streams.items()]
    return executor, problem


def private_feed(venue: Venue, settings: ArbotSettings, keys: Credentials,
                 executor: LiveExecutor, connect: Connect) -> PrivateFeed:
    """The venue's private stream into the executor's inbox, signed with the clock of the
    executor's REST client for the venue, for the account mode that client found (and
    moving with it when it changes)."""
    client = executor.clients[venue]
    stream = stream_for(venue, lambda: client.account_mode)
    feed = PrivateFeed(stream, settings.exchanges.private_ws_url(venue), keys,
                       executor.inbox, connect, timestamp_ms=client.timestamp_ms,
                       sync_clock=client.sync_clock)
    client.mode_listeners.append(lambda mode: feed.follow_mode())
    return feed


async def open_live(settings: ArbotSettings, keys: dict[Venue, VenueCredentials],
                    instruments: Instruments, session: aiohttp.ClientSession, *, armed: bool
                    ) -> tuple[LiveExecutor, str, list[str]]:
    """The live executor with clocks and balances read: (executor, why some or all venues
    cannot trade, every problem to warn about). Armed with no keys anywhere refuses."""
    executor, problem = live_executor(settings, keys, instruments, session)
    if armed and not executor.clients:
        raise LiveRefused(f"cannot arm live trading: {problem}")
    problems = [p for p in (problem, *await executor.sync()) if p]
    return executor, problem, problems
