"""Depth books a client can keep: Binance's stream synchronised with its REST snapshot by
the documented procedure, the L1 and depth channels agreeing on the top, a fresh snapshot
after unsubscribing and subscribing again (how ArBot resyncs), and OKX's no-change
update."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from arbot.sim.market import Market
from tests.sim import recv_json, recv_until, running
from tests.sim.depth import VENUE_ID, Chain, Push, StrBook, as_push, next_push, subscribe

CALM = Market(dislocations_per_s=0.0)
FROZEN = Market(activity={}, other_activity=0.0, dislocations_per_s=0.0)
"""Nothing moves unless the test dislocates a book."""


async def rest_depth(http: aiohttp.ClientSession, srv: SimServer, query: str
                     ) -> tuple[int, Any]:
    async with http.get(f"{srv.urls(Venue.BINANCE).rest_url}/api/v3/depth?{query}") as resp:
        return resp.status, await resp.json()


async def test_binance_diff_stream_syncs_with_the_rest_snapshot_as_documented() -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        # 1. open the stream; 2. buffer events, note the first U
        ws = await http.ws_connect(srv.ws_urls(Venue.BINANCE)[0] + "/btcusdt@depth@100ms")
        events = [await next_push(ws, Venue.BINANCE) for _ in range(3)]
        first_u = events[0].prev + 1
        # 3. the snapshot; 4. its lastUpdateId is never below that first U
        status, snap = await rest_depth(http, srv, "symbol=BTCUSDT&limit=5000")
        assert status == 200 and list(snap) == ["lastUpdateId", "bids", "asks"]
        last = snap["lastUpdateId"]
        assert last >= first_u
        # 5. drop events with u <= lastUpdateId; the first one left spans lastUpdateId + 1
        while events[-1].this <= last:
            events.append(await next_push(ws, Venue.BINANCE))
        kept = [e for e in events if e.this > last]
        assert kept[0].prev + 1 <= last + 1 <= kept[0].this
        # 6. the book is the snapshot; 7. apply the kept events, then what follows
        book = StrBook()
        book.levels(snap["bids"], snap["asks"])
        for event in kept + [await next_push(ws, Venue.BINANCE) for _ in range(15)]:
            assert event.prev + 1 <= last + 1, "missed events"
            book.levels(event.bids, event.asks)
            last = event.this
            bid, _, ask, _ = book.top()
            assert bid < ask
        await ws.close()


async def test_the_rest_snapshot_and_the_stream_hold_the_same_book() -> None:
    async with running(SimConfig(profile="market", market=FROZEN)) as (srv, http):
        ws = await http.ws_connect(srv.ws_urls(Venue.BINANCE)[-1]
                                   + "?streams=btcusdt@depth@100ms/btcusdt@bookTicker")
        status, snap = await rest_depth(http, srv, "symbol=BTCUSDT&limit=1000")
        assert status == 200 and len(snap["bids"]) == len(snap["asks"]) == 50
        book = StrBook()
        book.levels(snap["bids"], snap["asks"])
        srv.dislocate("BTC-USDT", Venue.BINANCE, 6.0, life_s=60.0)
        ticker = (await recv_until(ws, lambda f: f["stream"].endswith("@bookTicker")))["data"]
        event = await next_push(ws, Venue.BINANCE)
        assert event.prev == snap["lastUpdateId"]  # U is lastUpdateId + 1
        book.levels(event.bids, event.asks)
        assert book.top() == tuple(Decimal(ticker[k]) for k in ("b", "B", "a", "A"))
        status, after = await rest_depth(http, srv, "symbol=BTCUSDT&limit=1000")
        assert after["lastUpdateId"] == event.this
        assert book.best(50) == ([tuple(lv) for lv in after["bids"]],
                                 [tuple(lv) for lv in after["asks"]])
        await ws.close()


async def test_binance_rest_depth_refuses_what_the_venue_refuses() -> None:
    async with running(SimConfig(profile="market", market=FROZEN)) as (srv, http):
        assert (await rest_depth(http, srv, "limit=5"))[1]["code"] == -1102
        assert await rest_depth(http, srv, "symbol=NOPEUSDT") == (
            400, {"code": -1121, "msg": "Invalid symbol."})
        assert (await rest_depth(http, srv, "symbol=BTCUSDT&limit=x"))[1]["code"] == -1100
        status, five = await rest_depth(http, srv, "symbol=BTCUSDT&limit=5")
        assert status == 200 and len(five["bids"]) == len(five["asks"]) == 5


@pytest.mark.parametrize(("venue", "l1_args"), [
    (Venue.BYBIT, '{"op":"subscribe","args":["orderbook.1.BTCUSDT","orderbook.50.BTCUSDT"]}'),
    (Venue.OKX, '{"op":"subscribe","args":[{"channel":"bbo-tbt","instId":"BTC-USDT"},'
                '{"channel":"books","instId":"BTC-USDT"}]}'),
])
async def test_l1_and_depth_agree_on_the_top_at_every_point_of_the_stream(
        venue: Venue, l1_args: str) -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        ws = await http.ws_connect(srv.urls(venue).ws_url)
        await ws.send_str(l1_args)
        l1: tuple[Decimal, ...] | None = None
        book = StrBook()
        depth_frames = 0
        while depth_frames < 30:
            frame = await recv_json(ws)
            push = as_push(venue, frame)
            if push is not None:
                book.apply(push)
                depth_frames += 1
                assert book.top() == l1
            elif (top := l1_top(venue, frame)) is not None:
                l1 = top
        await ws.close()


def l1_top(venue: Venue, frame: Any) -> tuple[Decimal, ...] | None:
    if "data" not in frame:
        return None
    data = frame["data"] if venue is Venue.BYBIT else frame["data"][0]
    (bid, bid_sz, *_), (ask, ask_sz, *_) = data["b" if venue is Venue.BYBIT else "bids"][0], \
        data["a" if venue is Venue.BYBIT else "asks"][0]
    return Decimal(bid), Decimal(bid_sz), Decimal(ask), Decimal(ask_sz)


@pytest.mark.parametrize("venue", [Venue.BYBIT, Venue.OKX, Venue.BITGET])
async def test_unsubscribing_and_subscribing_again_brings_a_fresh_snapshot(
        venue: Venue) -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        ws = await http.ws_connect(srv.urls(venue).ws_url)
        venue_id = VENUE_ID[venue]
        await ws.send_str(subscribe(venue, venue_id))
        first = [await next_push(ws, venue) for _ in range(4)]
        assert [p.snapshot for p in first] == [True, False, False, False]
        await ws.send_str(subscribe(venue, venue_id, "unsubscribe"))
        ack = await recv_until(ws, lambda f: as_push(venue, f) is None)
        assert ack.get("event", ack.get("op")) == "unsubscribe"
        await ws.send_str(subscribe(venue, venue_id))
        again: list[Push] = [await next_push(ws, venue) for _ in range(6)]
        assert again[0].snapshot and not any(p.snapshot for p in again[1:])
        assert again[0].this >= first[-1].this
        book, chain = StrBook(), Chain()
        for push in again:
            book.apply(push)
            chain.see(push)
            if push.checksum is not None:
                assert push.checksum == book.checksum()
        assert chain.gaps == [] and chain.late == []
        await ws.close()


async def test_okx_sends_an_empty_update_when_the_book_stays_unchanged() -> None:
    async with running(SimConfig(profile="market", market=FROZEN, book_idle_s=0.3)) as (
            srv, http):
        ws = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await ws.send_str(subscribe(Venue.OKX, "BTC-USDT"))
        snapshot = await next_push(ws, Venue.OKX)
        quiet = [await next_push(ws, Venue.OKX) for _ in range(2)]
        for push in quiet:
            assert push.frame["action"] == "update"
            assert push.bids == push.asks == []
            assert push.prev == push.this == snapshot.this  # seqId == prevSeqId
            assert push.checksum == snapshot.checksum
        bybit = await http.ws_connect(srv.urls(Venue.BYBIT).ws_url)
        await bybit.send_str(subscribe(Venue.BYBIT, "BTCUSDT"))
        assert (await next_push(bybit, Venue.BYBIT)).snapshot
        srv.dislocate("BTC-USDT", Venue.BYBIT, 5.0, life_s=60.0)
        moved = await next_push(bybit, Venue.BYBIT)  # Bybit documents no such update:
        assert moved.bids or moved.asks  # the next push is the change
        await ws.close()
        await bybit.close()
