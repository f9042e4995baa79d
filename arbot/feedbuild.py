"""One venue's market-data connections, built from the settings in force.

Built at start-up and again whenever the settings screen changes the venue (see
`arbot/venuefeeds.py`), so it reads the settings it is handed each time. It also fills
the instruments the trader checks orders against: they come from the same start-up
request that maps the venue's symbol names. A symbol problem (unlisted, halted, no
instruments) is a warning the screen shows, never a reason not to start.
"""

from __future__ import annotations

import logging

import aiohttp

from arbot.config import ArbotSettings
from arbot.config.run import feed_timing
from arbot.depth.board import DepthBoard
from arbot.domain import Instrument, Venue
from arbot.events import FeedSink
from arbot.exchanges import adapter_for
from arbot.exchanges.feed import Feed, aiohttp_connect
from arbot.exchanges.lag import LagTracker
from arbot.exchanges.quotegate import GateBoard, QuoteGate
from arbot.exchanges.rest import RestClient, load_symbol_map
from arbot.exchanges.resync import DepthFeed
from arbot.exchanges.venueclock import VenueClock
from arbot.storage.rawlog import RawLog

log = logging.getLogger("arbot")


async def build_feeds(venue: Venue, settings: ArbotSettings, session: aiohttp.ClientSession,
                      sink: FeedSink, *, instruments: dict[tuple[Venue, str], Instrument],
                      warnings: list[str], gates: GateBoard, raw_log: RawLog | None,
                      depth: DepthBoard | None = None) -> list[Feed]:
    """The venue's connections under `settings` (none when it is off), feeding `sink`;
    the venue's instruments go into `instruments` and a symbol problem into `warnings`.
    With a `depth` board they keep L2 books on it instead of taking the top-of-book
    channel (the board is the runtime's, made at start: depth applies at the next start)."""
    if venue not in settings.exchanges.enabled_venues():
        return []
    adapter = adapter_for(venue)
    config = settings.exchanges.for_venue(venue)
    client = RestClient(adapter, config.rest_url, session)
    symbols, found, warning = await load_symbol_map(client, adapter,
                                                    list(settings.market.symbols))
    instruments.update({(venue, s): inst for s, inst in found.items()})
    if warning:  # names the venue already, e.g. "bitget does not list FOO-USDT"
        warnings.append(warning)
        log.warning("%s", warning)
    timing = feed_timing(settings)
    ids = [symbols.to_venue(s) for s in symbols.canonical_symbols()]
    gate = QuoteGate(venue, found, gates)
    # One clock and one lag tracker per venue: its first connection keeps the clock.
    clock = VenueClock(venue, client.server_time_sample)
    lag = LagTracker(venue, lambda: clock.offset_ms, max_lag_ms=settings.feeds.max_lag_ms,
                     depth=depth is not None)
    books = None if depth is None else DepthFeed(
        depth, client.get_json,
        raw_log.snapshot_sink(venue) if raw_log is not None else None)
    feeds = []
    for n, chunk in enumerate(adapter.connections(ids, depth=depth is not None)):
        feed = Feed(adapter, config.ws_url, chunk, symbols.lookup, sink,
                    aiohttp_connect(session, timing), connection=n, timing=timing,
                    raw=raw_log.sink(venue) if raw_log is not None else None,
                    gate=gate, lag=lag, depth=books)
        feed.venue_clock = clock if n == 0 else None
        feed.last_error = warning  # shown in the venue's status until a newer error
        feeds.append(feed)
    return feeds
