"""Depth faults as configured, seen by a plain client and counted in the ground truth:
a push left out (a gap in the sequence), a wrong checksum (OKX, Bitget), Bybit's restart
(the whole book as a delta with `u` = 1) and two pushes swapped.

The client reads each venue's sequence on its own (`tests.sim.depth.Chain`) and the
test compares what it saw with `GET /sim/truth`, over the pushes both have seen.
"""

from __future__ import annotations

from typing import Any

import pytest

from arbot.domain import Venue
from arbot.sim import Faults, SimConfig
from arbot.sim.market import Market
from tests.sim import running
from tests.sim.depth import VENUE_ID, Chain, Push, StrBook, book_faults, next_push, subscribe

CALM = Market(dislocations_per_s=0.0)
EVERY_S = 0.3
WANTED = 3  # faults seen before the test compares
TRUTH_ID = {Venue.BINANCE: "update_id", Venue.OKX: "update_id", Venue.BYBIT: "number",
            Venue.BITGET: "number"}
"""Which id of a truth record is the one the venue's chain carries (`Push.this`)."""


def config(venue: Venue, **faults: float) -> SimConfig:
    return SimConfig(profile="market", market=CALM, faults={venue: Faults(**faults)})


async def read(venue: Venue, ws: Any, done: Any) -> tuple[list[Push], Chain]:
    """Pushes until `done(chain)`, then a few more (a swapped push comes right after the
    one that overtook it); the pushes and the chain read over them."""
    pushes, chain = [], Chain()
    extra = 3
    while extra:
        push = await next_push(ws, venue)
        pushes.append(push)
        chain.see(push)
        if done(chain):
            extra -= 1
    return pushes, chain


def truth_ids(faults: list[dict[str, Any]], venue: Venue, kind: str, below: int) -> list[int]:
    return [f[TRUTH_ID[venue]] for f in faults if f["venue"] == venue.value
            and f["kind"] == kind and f[TRUTH_ID[venue]] < below]


@pytest.mark.parametrize("venue", list(Venue))
async def test_a_left_out_push_is_a_gap_in_the_sequence(venue: Venue) -> None:
    async with running(config(venue, book_gap_every_s=EVERY_S)) as (srv, http):
        ws = await http.ws_connect(srv.urls(venue).ws_url)
        await ws.send_str(subscribe(venue, VENUE_ID[venue]))
        pushes, chain = await read(venue, ws, lambda c: len(c.gaps) >= WANTED)
        faults = await book_faults(http, srv.truth_url)
        cutoff = pushes[-4].this
        assert [g for g in chain.gaps if g < cutoff] == truth_ids(faults, venue, "gap", cutoff)
        assert chain.late == []
        assert {f["kind"] for f in faults} == {"gap"}
        await ws.close()


@pytest.mark.parametrize("venue", list(Venue))
async def test_two_swapped_pushes_come_late_and_are_counted(venue: Venue) -> None:
    async with running(config(venue, book_reorder_every_s=EVERY_S)) as (srv, http):
        ws = await http.ws_connect(srv.urls(venue).ws_url)
        await ws.send_str(subscribe(venue, VENUE_ID[venue]))
        pushes, chain = await read(venue, ws, lambda c: len(c.late) >= WANTED)
        faults = await book_faults(http, srv.truth_url)
        cutoff = pushes[-4].this
        assert [x for x in chain.late if x < cutoff] == truth_ids(faults, venue, "reorder",
                                                                  cutoff)
        assert [g for g in chain.gaps if g < cutoff] == []  # each overtaken push came after
        await ws.close()


@pytest.mark.parametrize("venue", [Venue.OKX, Venue.BITGET])
async def test_a_wrong_checksum_is_sent_as_configured_and_only_then(venue: Venue) -> None:
    async with running(config(venue, book_bad_checksum_every_s=EVERY_S)) as (srv, http):
        ws = await http.ws_connect(srv.urls(venue).ws_url)
        await ws.send_str(subscribe(venue, VENUE_ID[venue]))
        book, wrong = StrBook(), []
        while len(wrong) < WANTED:
            push = await next_push(ws, venue)
            book.apply(push)
            if push.checksum != book.checksum():
                wrong.append(push.this)
        faults = await book_faults(http, srv.truth_url)
        assert wrong == truth_ids(faults, venue, "bad_checksum", push.this + 1)
        assert {f["kind"] for f in faults} == {"bad_checksum"}
        await ws.close()


async def test_bybit_restarts_the_book_with_u_1_and_the_whole_book() -> None:
    async with running(config(Venue.BYBIT, book_restart_every_s=EVERY_S)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.BYBIT).ws_url)
        await ws.send_str(subscribe(Venue.BYBIT, "BTCUSDT"))
        restarts: list[Push] = []
        last_u = None
        while len(restarts) < WANTED:
            push = await next_push(ws, Venue.BYBIT)
            u = push.frame["data"]["u"]
            if u == 1:
                assert push.frame["type"] == "delta"  # a delta that is a whole book
                assert len(push.bids) == len(push.asks) == 50
                assert all(float(size) > 0 for _, size in push.bids + push.asks)
                restarts.append(push)
            elif last_u is not None:
                assert u == last_u + 1  # after a restart, counting goes on from 1
            last_u = u
        seqs = [p.frame["data"]["seq"] for p in restarts]
        faults = await book_faults(http, srv.truth_url)
        got = [f["update_id"] for f in faults if f["kind"] == "restart"
               and f["update_id"] <= seqs[-1]]
        assert got == seqs
        assert all(f["number"] == 1 for f in faults)
        await ws.close()


async def test_faults_switched_on_at_runtime_and_off_again() -> None:
    async with running(config(Venue.OKX)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await ws.send_str(subscribe(Venue.OKX, "BTC-USDT"))
        for _ in range(5):
            await next_push(ws, Venue.OKX)
        assert await book_faults(http, srv.truth_url) == []
        srv.set_faults(Venue.OKX, book_gap_every_s=EVERY_S)
        await read(Venue.OKX, ws, lambda c: len(c.gaps) >= 1)
        srv.set_faults(Venue.OKX, Faults())
        seen = len(await book_faults(http, srv.truth_url))
        assert seen >= 1
        for _ in range(10):
            await next_push(ws, Venue.OKX)
        assert len(await book_faults(http, srv.truth_url)) == seen
        await ws.close()
