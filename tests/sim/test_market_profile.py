"""The market profile over real sockets: quiet symbols stay quiet, busy ones are busy, each
venue's lag is stamped and really waited, and a book is pushed only when it changed,
except where the venue documents a re-send (Bybit's 3 s snapshot).

Counts are compared with each other (busy against quiet) or bounded below by the lag,
never by how fast anything ran.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import aiohttp

from arbot.domain import Venue
from arbot.sim import Faults, SimConfig
from arbot.sim.market import DEFAULT_LAGS, Lag, Market
from arbot.venues import VENUES
from tests.sim import recv_json, recv_until, running

CALM = Market(dislocations_per_s=0.0)
FROZEN_XRP = Market(activity={"BTC-USDT": 40.0, "XRP-USDT": 0.0}, dislocations_per_s=0.0)
OKX_SUB = '{"op":"subscribe","args":[%s]}'


def okx_args(*inst: str) -> str:
    return OKX_SUB % ",".join(json.dumps({"channel": "bbo-tbt", "instId": i}) for i in inst)


def okx_book(frame: Any) -> tuple[str, tuple[str, ...], int] | None:
    """(instId, the book's numbers, ts) of an OKX bbo-tbt push, None for anything else."""
    if "data" not in frame:
        return None
    row = frame["data"][0]
    return frame["arg"]["instId"], (*row["bids"][0][:2], *row["asks"][0][:2]), int(row["ts"])


async def okx_books(ws: aiohttp.ClientWebSocketResponse, until_btc: int
                    ) -> list[tuple[str, tuple[str, ...], int]]:
    """OKX pushes, in order, until `until_btc` BTC-USDT ones have come."""
    out: list[tuple[str, tuple[str, ...], int]] = []
    while sum(1 for b in out if b[0] == "BTC-USDT") < until_btc:
        book = okx_book(await recv_json(ws))
        if book is not None:
            out.append(book)
    return out


def test_lag_comes_from_the_profile_unless_a_fault_sets_it() -> None:
    market = SimConfig(profile="market")
    assert market.lag_for(Venue.BINANCE) == Lag(8.0, 3.0)
    assert market.lag_for(Venue.BITGET) == Lag(35.0, 12.0)
    assert SimConfig().lag_for(Venue.BITGET) == Lag(0.0, 0.0)  # steady: as before
    faulty = SimConfig(profile="market", faults={Venue.OKX: Faults(lag_ms=100.0)})
    assert faulty.lag_for(Venue.OKX) == Lag(100.0, DEFAULT_LAGS[Venue.OKX].jitter_ms)
    assert faulty.lag_for(Venue.OKX, Faults(jitter_ms=0.0)).jitter_ms == 0.0


async def test_busy_symbols_are_busy_and_quiet_ones_quiet() -> None:
    async with running(SimConfig(profile="market", market=CALM)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await ws.send_str(okx_args("BTC-USDT", "XRP-USDT"))
        books = await okx_books(ws, 200)  # about 5 s of BTC at 40 changes/s
        xrp = sum(1 for b in books if b[0] == "XRP-USDT")
        assert 1 <= xrp < 20  # the snapshot on subscribing, then a change every ~5 s
        await ws.close()


async def test_push_on_change_never_resends_an_unchanged_book() -> None:
    async with running(SimConfig(profile="market", market=FROZEN_XRP)) as (srv, http):
        okx = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await okx.send_str(okx_args("BTC-USDT", "XRP-USDT"))
        binance = await http.ws_connect(srv.urls(Venue.BINANCE).ws_url)
        await binance.send_str('{"method":"SUBSCRIBE","params":["btcusdt@bookTicker",'
                               '"xrpusdt@bookTicker"],"id":1}')
        assert (await recv_json(binance))["id"] == 1
        books = await okx_books(okx, 150)
        # OKX: the snapshot on subscribing, then silence; each BTC push a different book.
        assert [b[0] for b in books].count("XRP-USDT") == 1
        btc = [b[1] for b in books if b[0] == "BTC-USDT"]
        assert all(a != b for a, b in itertools.pairwise(btc))
        # Binance's bookTicker has no snapshot on subscribing: a frozen book never comes.
        for _ in range(100):
            frame = await recv_json(binance)
            assert frame["s"] == "BTCUSDT", frame
        await okx.close()
        await binance.close()


async def test_bybit_resends_an_unchanged_book_with_the_same_update_id() -> None:
    assert VENUES[Venue.BYBIT].quote_resend_s is not None
    async with running(SimConfig(profile="market", market=FROZEN_XRP)) as (srv, http):
        ws = await http.ws_connect(srv.urls(Venue.BYBIT).ws_url)
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.XRPUSDT"]}')
        first = await recv_until(ws, lambda f: f.get("topic") == "orderbook.1.XRPUSDT")
        again = await recv_until(ws, lambda f: f.get("topic") == "orderbook.1.XRPUSDT", 10.0)
        assert again["data"] == first["data"]  # same book, same "u"
        assert again["ts"] > first["ts"]
        await ws.close()


async def test_the_lag_is_stamped_and_really_waited() -> None:
    lag = Faults(lag_ms=250.0, jitter_ms=0.0)
    config = SimConfig(profile="market", market=CALM,
                       faults={Venue.OKX: lag, Venue.BINANCE: lag})
    async with running(config) as (srv, http):
        okx = await http.ws_connect(srv.urls(Venue.OKX).ws_url)
        await okx.send_str(okx_args("BTC-USDT"))
        for _ in range(20):  # stamped when the book changed, received 250 ms later or more
            book = okx_book(await recv_until(okx, lambda f: "data" in f))
            assert book is not None
            assert time.time() * 1000 - book[2] >= 250 - 1  # the stamp is whole ms
        # Binance stamps nothing, so the wait itself must show: a dislocation made now
        # reaches the client no sooner than the lag.
        binance = await http.ws_connect(srv.urls(Venue.BINANCE).ws_url)
        await binance.send_str('{"method":"SUBSCRIBE","params":["solusdt@bookTicker"],"id":1}')
        await recv_json(binance)
        start = time.monotonic()
        srv.dislocate("SOL-USDT", Venue.BINANCE, 500.0, life_s=5.0)
        moved = srv.model.quote(Venue.BINANCE, "SOL-USDT").update_id
        await recv_until(binance, lambda f: f.get("u") == moved)
        assert time.monotonic() - start >= 0.25
        await okx.close()
        await binance.close()
