"""The venue checks: each enabled venue's REST API answers, lists the configured symbols,
and keeps a clock close to ours. Public endpoints only; nothing is signed."""

from __future__ import annotations

import asyncio

import aiohttp

from arbot.config import ArbotSettings
from arbot.doctor.checks import Check, Status
from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.rest import ClockSample, RestClient
from arbot.exchanges.restspec import RestError
from arbot.exchanges.resttiming import RestTiming

# A doctor answers in seconds: one retry, short timeouts, no long Retry-After waits.
DOCTOR_TIMING = RestTiming(timeout_s=5.0, retries=1, backoff_base_s=0.2, backoff_cap_s=1.0,
                           max_wait_s=2.0)
CLOCK_READINGS = 3  # the one with the shortest round trip is trusted, as the feeds do


async def venue_checks(settings: ArbotSettings, max_skew_ms: float) -> list[Check]:
    """REST and clock lines for every enabled venue, in the registry's order."""
    venues = settings.exchanges.enabled_venues()
    async with aiohttp.ClientSession() as session:
        found = await asyncio.gather(*(_one(v, settings, session, max_skew_ms)
                                       for v in venues))
    return [check for pair in found for check in pair]


async def _one(venue: Venue, settings: ArbotSettings, session: aiohttp.ClientSession,
               max_skew_ms: float) -> list[Check]:
    config = settings.exchanges.for_venue(venue)
    client = RestClient(adapter_for(venue), config.rest_url, session, timing=DOCTOR_TIMING)
    try:
        instruments = await client.fetch_instruments()
    except (RestError, OSError, TimeoutError, ValueError) as exc:
        return [Check(Status.FAIL, f"rest {venue}", f"{config.rest_url} unreachable: {exc}"),
                Check(Status.FAIL, f"clock {venue}", "not measured: REST unreachable")]
    listed = {i.symbol for i in instruments if i.trading}
    missing = [s for s in settings.market.symbols if s not in listed]
    rest = Check(Status.OK, f"rest {venue}",
                 f"{config.rest_url} answers: {len(instruments)} instruments, "
                 f"all {len(settings.market.symbols)} symbols trading") if not missing else \
        Check(Status.WARN, f"rest {venue}", f"{config.rest_url} answers, but does not trade "
              f"{', '.join(missing)} (the run goes on without them)")
    return [rest, await _clock(venue, client, max_skew_ms)]


async def _clock(venue: Venue, client: RestClient, max_skew_ms: float) -> Check:
    readings: list[ClockSample] = []
    try:
        for _ in range(CLOCK_READINGS):
            readings.append(await client.server_time_sample())
    except (RestError, OSError, TimeoutError, ValueError) as exc:
        if not readings:
            return Check(Status.FAIL, f"clock {venue}", f"server time not read: {exc}")
    best = min(readings, key=lambda r: r.rtt_ms)
    detail = (f"{_ahead(best.offset_ms)} (to within {best.rtt_ms / 2:.0f} ms, "
              f"the best of {len(readings)} round trips)")
    if abs(best.offset_ms) > max_skew_ms:
        # Signed requests carry our clock corrected by the measured offset, but the offset
        # drifts between measurements; a clock this far off means time sync is broken.
        return Check(Status.FAIL, f"clock {venue}", f"{detail}; more than {max_skew_ms:g} ms: "
                     "sync this machine's clock (e.g. `timedatectl set-ntp true`)")
    return Check(Status.OK, f"clock {venue}", detail)


def _ahead(offset_ms: float) -> str:
    if round(offset_ms) == 0:
        return "venue clock matches ours"
    side = "ahead of" if offset_ms > 0 else "behind"
    return f"venue clock {abs(offset_ms):.0f} ms {side} ours"
