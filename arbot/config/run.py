"""What a run is built from, and what a change of settings means for a running one.

Pure functions over settings, shared by the runtime, the UI's settings screen and the
tests: feed timings, the settings stored with each run, which venues' feeds a change
touches, which changes wait for a restart, and demo endpoints laid over the settings.
"""

from __future__ import annotations

from collections.abc import Mapping

from arbot.config.sections import ExchangeSettings
from arbot.config.settings import ArbotSettings
from arbot.domain import Venue
from arbot.exchanges.reconnect import FeedTiming


def feed_timing(settings: ArbotSettings) -> FeedTiming:
    f = settings.feeds
    return FeedTiming(stale_after_s=f.stale_after_s, silence_s=f.silence_s,
                      backoff_cap_s=f.backoff_cap_s, quarantine_after=f.quarantine_after,
                      quarantine_s=f.quarantine_s)


def run_settings(settings: ArbotSettings) -> dict[str, object]:
    """What decided this run's episodes, stored with it (settings never hold secrets)."""
    return {
        **settings.model_dump(mode="json", include={"market", "strategy", "filters"}),
        "taker_fee_bps": {v.value: settings.exchanges.for_venue(v).taker_fee_bps for v in Venue},
    }


def feeds_changed(old: ArbotSettings, new: ArbotSettings) -> list[Venue]:
    """Venues whose connections must be rebuilt: switched on or off, a new URL, or (for
    every enabled venue) a new symbol list."""
    symbols = old.market.symbols != new.market.symbols
    changed = []
    for venue in Venue:
        a, b = old.exchanges.for_venue(venue), new.exchanges.for_venue(venue)
        if (a.enabled, a.ws_url, a.rest_url) != (b.enabled, b.ws_url, b.rest_url) or (
                symbols and b.enabled):
            changed.append(venue)
    return changed


def needs_restart(old: ArbotSettings, new: ArbotSettings) -> list[str]:
    """Settings that changed but only take effect on the next start (the database file,
    its flush interval, feed timings, trading mode, the API, the simulator of a demo, the
    depth of the books, whose board the runtime makes at start)."""
    later = {"storage.path": (old.storage.path, new.storage.path),
             "market.depth": (old.market.depth, new.market.depth),
             "storage.flush_ms": (old.storage.flush_ms, new.storage.flush_ms),
             "feeds": (old.feeds, new.feeds), "trading": (old.trading, new.trading),
             "api": (old.api, new.api), "sim": (old.sim, new.sim)}
    return [name for name, (a, b) in later.items() if a != b]


def with_endpoints(settings: ArbotSettings, urls: Mapping[Venue, tuple[str, str]]) -> ArbotSettings:
    """The same settings with each named venue's (ws_url, rest_url) replaced."""
    venues: dict[str, ExchangeSettings] = {
        venue.value: settings.exchanges.for_venue(venue).model_copy(
            update={"ws_url": ws_url, "rest_url": rest_url})
        for venue, (ws_url, rest_url) in urls.items()
    }
    return settings.model_copy(update={"exchanges": settings.exchanges.model_copy(update=venues)})
