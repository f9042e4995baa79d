"""A Bitget account that changes mode (classic <-> unified) while its private stream is
connected: the REST client finds out when a request is refused as meant for the other
mode, and the stream moves to the new mode's at once (not at some later reconnect), so
the next orders are confirmed by their pushes again. Against the simulator over real
sockets, through the same wiring the runtime uses (`arbot.trading.setup.private_feed`)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import aiohttp
import pytest

from arbot.config import ArbotSettings
from arbot.config.run import with_endpoints
from arbot.domain import OrderStatus, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.feedbase import aiohttp_connect
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.signing import Credentials
from arbot.sim import SimServer
from arbot.sim.config import Accounts
from arbot.trading.execution import final_report
from arbot.trading.ledger import Ledger
from arbot.trading.live import LiveExecutor
from arbot.trading.setup import private_feed
from tests.conftest import until
from tests.trading.streams import SYMBOL, TIMING, crossing, instrument
from tests.trading.test_private_streams import QUIET, lookups, requests

BG = Venue.BITGET


@pytest.mark.parametrize(("start", "then", "path"), [
    ("classic", "uta", "/v3/ws/private"), ("uta", "classic", "/v2/ws/private")])
async def test_the_stream_follows_the_account_into_its_new_mode(
        start: str, then: str, path: str) -> None:
    config = replace(QUIET, accounts=Accounts(modes={BG: start}))
    async with SimServer(config) as sim, aiohttp.ClientSession() as session:
        keys = sim.credentials(BG)
        creds = Credentials(keys.key, keys.secret, keys.passphrase)
        urls = sim.urls(BG)
        settings = with_endpoints(ArbotSettings(), {BG: (urls.ws_url, urls.rest_url)})
        client = PrivateClient(adapter_for(BG), urls.rest_url, creds, session)
        ex = LiveExecutor({BG: client}, {(BG, SYMBOL): instrument(sim, BG)}, Ledger())
        await ex.sync()  # the clock, the mode and the balances, as at start
        assert client.account_mode == start
        feed = private_feed(BG, settings, creds, ex, aiohttp_connect(session, TIMING))
        task = asyncio.create_task(feed.run(), name="test-bitget-private")
        try:
            await until(lambda: ex.stream_epoch(BG) is not None, "the stream to go live")
            epoch, failures = ex.stream_epoch(BG), feed.failures
            assert not feed.url.endswith(path)
            label = {"classic": "classic", "uta": "unified"}
            assert ex.streams()[BG].account_mode == label[start]
            sim.set_account_mode(BG, then)  # the account moved while ArBot ran
            report = await final_report(ex, crossing(sim, BG, "abmode1b"), True)
            assert report.status is OrderStatus.FILLED, report  # refused, resent, filled
            assert client.account_mode == then
            await until(lambda: (ex.stream_epoch(BG) or 0) > (epoch or 0),
                        "the stream to come back on the new mode's")
            assert feed.url.endswith(path)
            assert ex.streams()[BG].account_mode == label[then]  # what the screens show
            assert feed.failures == failures  # a move, not a failure: no backoff
            req = crossing(sim, BG, "abmode2b")
            before = requests(sim, BG)
            report = await final_report(ex, req, True)
            assert report.status is OrderStatus.FILLED, report
            assert lookups(sim, BG, before) == 0  # known from its push, in the new mode
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
