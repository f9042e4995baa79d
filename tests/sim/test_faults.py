"""Fault injection: drops, stalls, malformed frames, refusals and shutdown notices."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
from typing import Any

import aiohttp
import pytest

from arbot.domain import Venue
from arbot.sim import GARBAGE_KINDS, Faults, SimConfig, SimServer
from tests.conftest import until
from tests.sim import recv_json, recv_until, running, stays_open, wait_closed

SUBSCRIBE = {
    Venue.BINANCE: '{"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":1}',
    Venue.BYBIT: '{"op":"subscribe","args":["orderbook.1.BTCUSDT"]}',
    Venue.OKX: '{"op":"subscribe","args":[{"channel":"bbo-tbt","instId":"BTC-USDT"}]}',
    Venue.BITGET: '{"op":"subscribe","args":[{"instType":"SPOT","channel":"books1",'
                  '"instId":"BTCUSDT"}]}',
}
# Where each venue's L1 push keeps its book, and the exact keys that object must have.
PAYLOAD_KEYS = {
    Venue.BINANCE: ["u", "s", "b", "B", "a", "A"],
    Venue.BYBIT: ["s", "b", "a", "u", "seq"],
    Venue.OKX: ["asks", "bids", "ts", "seqId"],
    Venue.BITGET: ["asks", "bids", "checksum", "seq", "ts"],
}


def is_ack(venue: Venue, frame: Any) -> bool:
    return isinstance(frame, dict) and ("result" in frame or "success" in frame
                                        or "event" in frame)


def valid_push(venue: Venue, text: str) -> bool:
    """An independent check that a push carries a usable, sane top of book."""
    try:
        frame = json.loads(text)
        if venue is Venue.BINANCE:
            p = frame
            levels = [p["b"], p["B"], p["a"], p["A"]]
        elif venue is Venue.BYBIT:
            p = frame["data"]
            levels = [*p["b"][0], *p["a"][0]]
        else:
            p = frame["data"][0]
            levels = [*p["bids"][0][:2], *p["asks"][0][:2]]
        if list(p) != PAYLOAD_KEYS[venue] or not all(isinstance(x, str) for x in levels):
            return False
        bid, bid_sz, ask, ask_sz = map(float, levels)
    except (ValueError, KeyError, IndexError, TypeError):
        return False
    return all(math.isfinite(x) and x > 0 for x in (bid, bid_sz, ask, ask_sz)) and bid < ask


async def subscribed(srv: SimServer, http: aiohttp.ClientSession, venue: Venue
                     ) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(srv.urls(venue).ws_url)
    await ws.send_str(SUBSCRIBE[venue])
    assert is_ack(venue, await recv_json(ws))
    return ws


@pytest.mark.parametrize("venue", list(Venue))
async def test_garbage_frames_appear_at_about_the_rate_in_every_kind(venue: Venue) -> None:
    faults = {venue: Faults(garbage_rate=0.3)}
    async with running(SimConfig(rate=1000, faults=faults)) as (srv, http):
        ws = await subscribed(srv, http, venue)
        texts = [(await ws.receive(timeout=5)).data for _ in range(300)]
        bad = sum(not valid_push(venue, t) for t in texts)
        assert 0.15 * 300 < bad < 0.45 * 300
        assert bad <= srv.stats[venue].garbage
        assert set(srv.stats[venue].garbage_kinds) == set(GARBAGE_KINDS)
        await ws.close()


async def test_drop_every_cuts_the_socket_and_a_new_connection_works() -> None:
    faults = {Venue.BYBIT: Faults(drop_every_s=0.3)}
    async with running(SimConfig(rate=50, faults=faults)) as (srv, http):
        ws = await subscribed(srv, http, Venue.BYBIT)
        assert len(await wait_closed(ws)) > 2
        assert srv.stats[Venue.BYBIT].fault_drops == 1
        srv.set_faults(Venue.BYBIT, drop_every_s=None)
        again = await subscribed(srv, http, Venue.BYBIT)
        assert valid_push(Venue.BYBIT, (await again.receive(timeout=5)).data)
        await again.close()


async def test_drop_all_cuts_every_connection_of_a_venue() -> None:
    async with running() as (srv, http):
        a = await subscribed(srv, http, Venue.OKX)
        b = await subscribed(srv, http, Venue.OKX)
        other = await subscribed(srv, http, Venue.BITGET)
        assert srv.drop_all(Venue.OKX) == 2
        await wait_closed(a)
        await wait_closed(b)
        await until(lambda: srv.connections(Venue.OKX) == 0)
        assert srv.connections(Venue.BITGET) == 1
        await other.close()


async def test_stall_sends_nothing_for_the_period_then_resumes() -> None:
    faults = {Venue.OKX: Faults(stall_every_s=0.3, stall_for_s=0.6)}
    async with running(SimConfig(rate=100, faults=faults)) as (srv, http):
        ws = await subscribed(srv, http, Venue.OKX)
        loop = asyncio.get_running_loop()
        stamps = []
        for _ in range(80):  # ~0.3 s of data, the 0.6 s stall, then data again
            assert (await ws.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT
            stamps.append(loop.time())
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert max(gaps) > 0.45
        assert gaps.index(max(gaps)) < len(gaps) - 5  # and data flowed again after it
        assert srv.stats[Venue.OKX].stalls >= 1
        await ws.close()


@pytest.mark.parametrize(("venue", "check"), [
    (Venue.BINANCE, lambda f: f.get("code") == 2 and f["id"] == 1),
    (Venue.BYBIT, lambda f: f["success"] is False and f["op"] == "subscribe"),
    (Venue.OKX, lambda f: f["event"] == "error" and f["code"] == "60014"),
    (Venue.BITGET, lambda f: f["event"] == "error" and f["code"] == 30006),
])
async def test_refused_subscriptions_get_error_acks_until_flipped_back(venue: Venue, check: Any
                                                                       ) -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(venue).ws_url) as ws:
        srv.set_faults(venue, refuse_subscriptions=True)
        await ws.send_str(SUBSCRIBE[venue])
        assert check(await recv_json(ws))
        assert srv.stats[venue].sub_errors == 1
        srv.set_faults(venue, refuse_subscriptions=False)
        await ws.send_str(SUBSCRIBE[venue])
        reply = await recv_json(ws)
        assert not check(reply) and is_ack(venue, reply)
        assert srv.stats[venue].subscriptions == 1


@pytest.mark.parametrize("venue", list(Venue))
async def test_ignored_subscriptions_get_no_answer_and_no_data(venue: Venue) -> None:
    async with running(rate=200) as (srv, http), http.ws_connect(srv.urls(venue).ws_url) as ws:
        srv.set_faults(venue, ignore_subscriptions=True)
        await ws.send_str(SUBSCRIBE[venue])
        with pytest.raises(TimeoutError):  # no ack, no data
            await ws.receive(timeout=0.5)
        assert srv.stats[venue].subscriptions == 0
        srv.set_faults(venue, ignore_subscriptions=False)
        await ws.send_str(SUBSCRIBE[venue])
        assert is_ack(venue, await recv_json(ws))


@pytest.mark.parametrize(("url_path", "notice"), [
    ("/binance/ws", lambda f: f.get("e") == "serverShutdown" and isinstance(f["E"], int)),
    ("/binance/stream?streams=btcusdt@bookTicker",
     lambda f: f.get("stream") == "!serverShutdown" and f["data"]["e"] == "serverShutdown"),
])
async def test_binance_shutdown_event_precedes_the_close(url_path: str, notice: Any) -> None:
    async with (
        running(rate=50) as (srv, http),
        http.ws_connect(f"ws://127.0.0.1:{srv.port}{url_path}") as ws,
    ):
        await ws.send_str(SUBSCRIBE[Venue.BINANCE])
        await recv_json(ws)
        assert srv.announce_shutdown(Venue.BINANCE, grace_s=0.2) == 1
        await recv_until(ws, notice)
        await wait_closed(ws)
        assert ws.close_code == aiohttp.WSCloseCode.GOING_AWAY


async def test_okx_periodic_upgrade_notice_then_close() -> None:
    faults = {Venue.OKX: Faults(shutdown_every_s=0.3, shutdown_grace_s=0.2)}
    async with running(SimConfig(rate=50, faults=faults)) as (srv, http):
        ws = await subscribed(srv, http, Venue.OKX)
        frame = await recv_until(ws, lambda f: "event" in f)
        assert frame == {"event": "notice", "code": "64008",
                         "msg": "The connection will soon be closed for a service upgrade. "
                                "Please reconnect.", "connId": frame["connId"]}
        rest = await wait_closed(ws)
        assert all("event" not in json.loads(m.data) for m in rest)
        assert srv.stats[Venue.OKX].shutdowns == 1


@pytest.mark.parametrize("venue", [Venue.BYBIT, Venue.BITGET])
async def test_venues_without_a_notice_just_close(venue: Venue) -> None:
    async with running(rate=50) as (srv, http):
        ws = await subscribed(srv, http, venue)
        srv.announce_shutdown(venue, grace_s=0.1)
        frames = await wait_closed(ws)
        assert all(valid_push(venue, m.data) for m in frames)
        assert srv.stats[venue].shutdowns == 1


@pytest.mark.parametrize("venue", list(Venue))
async def test_client_garbage_never_breaks_the_server(venue: Venue) -> None:
    junk: list[str | bytes] = ["", "{", "null", "[]", '"text"', "1e999", "{" * 5000,
                               '{"op":null,"method":null,"args":{}}', "\u0000\ud7ff",
                               b"\x00\xff", json.dumps({"args": [[1], None]})]
    async with running(rate=50) as (srv, http), http.ws_connect(srv.urls(venue).ws_url) as ws:
        for item in junk:
            await (ws.send_bytes(item) if isinstance(item, bytes) else ws.send_str(item))
        await ws.send_str(SUBSCRIBE[venue])
        await recv_until(ws, lambda f: valid_push(venue, json.dumps(f)))
        assert await stays_open(ws, 0.2) > 0
