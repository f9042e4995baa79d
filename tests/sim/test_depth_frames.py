"""Each venue's depth channel over real sockets: the documented frame shapes, sequence
fields that chain, checksums that match a book kept from the strings received (zlib, in
the test), levels on the venue's tick and sorted, and 50 levels a side."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from arbot.domain import Venue
from arbot.sim import SimConfig
from arbot.sim.market import Market
from tests.sim import decimals, on_tick, recv_json, recv_until, running
from tests.sim.depth import VENUE_ID, Chain, StrBook, as_push, next_push, subscribe

CALM = Market(dislocations_per_s=0.0)


def sorted_best_first(levels: list[list[str]], descending: bool) -> bool:
    prices = [Decimal(p) for p, _ in levels]
    return prices == sorted(prices, reverse=descending) and len(set(prices)) == len(prices)


def check_levels(venue: Venue, bids: list[list[str]], asks: list[list[str]]) -> None:
    assert sorted_best_first(bids, True) and sorted_best_first(asks, False)
    for price, size in bids + asks:
        assert on_tick(price, "BTC-USDT", venue), price
        assert Decimal(size) >= 0


async def test_binance_raw_and_combined_streams_push_depth_updates_that_chain() -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        raw = await http.ws_connect(srv.urls(Venue.BINANCE).ws_url)
        await raw.send_str(subscribe(Venue.BINANCE, "BTCUSDT"))
        assert await recv_json(raw) == {"result": None, "id": 1}
        combined = await http.ws_connect(
            srv.ws_urls(Venue.BINANCE)[-1] + "?streams=btcusdt@depth@100ms/btcusdt@bookTicker")
        for ws, wrapped in ((raw, False), (combined, True)):
            chain = Chain()
            for _ in range(8):
                push = await next_push(ws, Venue.BINANCE)
                frame: dict[str, Any] = push.frame
                if wrapped:
                    assert frame["stream"] == "btcusdt@depth@100ms"
                    frame = frame["data"]
                assert list(frame) == ["e", "E", "s", "U", "u", "b", "a"]
                assert frame["e"] == "depthUpdate" and frame["s"] == "BTCUSDT"
                assert isinstance(frame["E"], int) and frame["U"] <= frame["u"]
                assert frame["b"] or frame["a"]  # pushed only when the book changed
                assert all(decimals(text) == 8 for level in frame["b"] + frame["a"]
                           for text in level)  # padded to 8 places, as the venue writes
                check_levels(Venue.BINANCE, frame["b"], frame["a"])
                chain.see(push)
            assert chain.gaps == [] and chain.late == []
        await raw.close()
        await combined.close()


async def test_bybit_sends_a_snapshot_then_deltas_whose_u_goes_up_by_one() -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.BYBIT).ws_url)
        await ws.send_str(subscribe(Venue.BYBIT, "BTCUSDT"))
        ack = await recv_json(ws)
        assert ack["success"] is True and ack["op"] == "subscribe"
        first = await next_push(ws, Venue.BYBIT)
        assert first.snapshot and len(first.bids) == len(first.asks) == 50
        last_u, last_seq = first.frame["data"]["u"], first.frame["data"]["seq"]
        for _ in range(10):
            push = await next_push(ws, Venue.BYBIT)
            frame = push.frame
            assert list(frame) == ["topic", "ts", "type", "data", "cts"]  # ts before type
            assert frame["topic"] == "orderbook.50.BTCUSDT" and frame["type"] == "delta"
            assert frame["cts"] <= frame["ts"]
            assert list(frame["data"]) == ["s", "b", "a", "u", "seq"]
            assert frame["data"]["u"] == last_u + 1 and frame["data"]["seq"] > last_seq
            last_u, last_seq = frame["data"]["u"], frame["data"]["seq"]
            check_levels(Venue.BYBIT, push.bids, push.asks)
        await ws.close()


@pytest.mark.parametrize("venue", [Venue.OKX, Venue.BITGET])
async def test_books_chain_and_every_checksum_matches_the_strings_received(
        venue: Venue) -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        ws = await http.ws_connect(srv.urls(venue).ws_url)
        await ws.send_str(subscribe(venue, VENUE_ID[venue]))
        ack = await recv_json(ws)
        assert ack["event"] == "subscribe" and ack["arg"]["channel"] == "books"
        book, chain = StrBook(), Chain()
        snapshot = await next_push(ws, venue)
        assert snapshot.snapshot and len(snapshot.bids) == len(snapshot.asks) == 50
        if venue is Venue.OKX:
            assert snapshot.prev == -1  # "in snapshot messages the prevSeqId is always -1"
        for push in [snapshot] + [await next_push(ws, venue) for _ in range(15)]:
            row = push.frame["data"][0]
            if venue is Venue.OKX:
                assert list(push.frame) == ["arg", "action", "data"]
                assert list(row) == ["asks", "bids", "ts", "checksum", "prevSeqId", "seqId"]
                assert all(len(lv) == 4 and lv[2] == "0" for lv in row["asks"] + row["bids"])
            else:
                assert list(push.frame) == ["action", "arg", "data", "ts"]
                assert list(row) == ["asks", "bids", "checksum", "seq", "ts"]
            assert push.frame["action"] == ("snapshot" if push is snapshot else "update")
            check_levels(venue, push.bids, push.asks)
            book.apply(push)
            chain.see(push)
            assert push.checksum == book.checksum()
        assert chain.gaps == [] and chain.late == []
        await ws.close()


async def test_bitget_checksums_use_the_original_strings() -> None:
    """Bitget writes the instrument's places ("26275.0"): a checksum over trimmed numbers
    would not match, so the test's own reformatting must fail."""
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.BITGET).ws_url)
        await ws.send_str(subscribe(Venue.BITGET, "BTCUSDT"))
        snapshot = await next_push(ws, Venue.BITGET)
        book = StrBook()
        book.apply(snapshot)
        assert snapshot.checksum == book.checksum()
        trimmed = StrBook()
        trimmed.levels([[p, s.rstrip("0")] for p, s in snapshot.bids],
                       [[p, s.rstrip("0")] for p, s in snapshot.asks])
        assert trimmed.checksum() != snapshot.checksum
        await ws.close()


async def test_steady_profile_serves_depth_too() -> None:
    async with running(SimConfig(profile="steady", rate=20.0)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await ws.send_str(subscribe(Venue.OKX, "BTC-USDT"))
        book, chain = StrBook(), Chain()
        for _ in range(6):
            push = await next_push(ws, Venue.OKX)
            book.apply(push)
            chain.see(push)
            assert push.checksum == book.checksum()
        assert chain.gaps == [] and chain.late == []
        await ws.close()


async def test_unknown_depth_symbols_are_refused_as_the_l1_ones_are() -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await ws.send_str(subscribe(Venue.OKX, "NOPE-USDT"))
        err = await recv_json(ws)
        assert err["event"] == "error" and err["code"] == "60018"
        bybit = await http.ws_connect(srv.urls(Venue.BYBIT).ws_url)
        await bybit.send_str(json.dumps({"op": "subscribe", "args": ["orderbook.50.NOPEUSDT"]}))
        refused = await recv_until(bybit, lambda f: "success" in f)
        assert refused["ret_msg"] == "error:handler not found,topic:orderbook.50.NOPEUSDT"
        assert as_push(Venue.BYBIT, refused) is None
        await ws.close()
        await bybit.close()
