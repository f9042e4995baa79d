"""Bitget v2 `books1` and `ticker` snapshots, acks, the 30001 refusal, ping/pong."""

from __future__ import annotations

import json

from arbot.domain import Venue
from arbot.sim.instruments import spec_for
from tests.sim import decimals, on_tick, recv_json, running

SYMBOLS = {"BTCUSDT": "BTC-USDT", "XRPUSDT": "XRP-USDT"}


def arg(inst_id: str, channel: str = "books1") -> dict[str, str]:
    return {"instType": "SPOT", "channel": channel, "instId": inst_id}


def check_books1(frame: dict[str, object]) -> str:
    assert list(frame) == ["action", "arg", "data", "ts"]
    assert frame["action"] == "snapshot" and isinstance(frame["ts"], int)
    a, data = frame["arg"], frame["data"]
    assert isinstance(a, dict) and isinstance(data, list)
    inst = str(a["instId"])
    assert a == arg(inst)
    row = data[0]
    assert list(row) == ["asks", "bids", "checksum", "seq", "ts"]
    assert row["checksum"] == 0 and isinstance(row["seq"], int)
    assert isinstance(row["ts"], str) and row["ts"].isdigit()
    [[ask, ask_sz]], [[bid, bid_sz]] = row["asks"], row["bids"]
    assert all(isinstance(x, str) for x in (ask, ask_sz, bid, bid_sz))
    symbol = SYMBOLS[inst]
    dp = spec_for(symbol).rules[Venue.BITGET].price_dp
    assert decimals(bid) == decimals(ask) == dp  # fixed places, "26275.0" style
    assert float(bid) < float(ask)
    assert on_tick(bid, symbol, Venue.BITGET) and on_tick(ask, symbol, Venue.BITGET)
    return inst


async def test_subscribe_two_symbols_acks_then_snapshots() -> None:
    async with (
        running(rate=100) as (srv, http),
        http.ws_connect(srv.urls(Venue.BITGET).ws_url) as ws,
    ):
        args = [arg("BTCUSDT"), arg("XRPUSDT")]
        await ws.send_str(json.dumps({"op": "subscribe", "args": args}))
        for a in args:
            assert await recv_json(ws) == {"event": "subscribe", "arg": a}
        seen = {check_books1(await recv_json(ws)) for _ in range(6)}
        assert seen == set(SYMBOLS)


async def test_ticker_channel_fields() -> None:
    async with (
        running(rate=100) as (srv, http),
        http.ws_connect(srv.urls(Venue.BITGET).ws_url) as ws,
    ):
        a = arg("BTCUSDT", "ticker")
        await ws.send_str(json.dumps({"op": "subscribe", "args": [a]}))
        assert await recv_json(ws) == {"event": "subscribe", "arg": a}
        frame = await recv_json(ws)
        assert frame["arg"] == a and frame["action"] == "snapshot"
        row = frame["data"][0]
        assert list(row) == ["instId", "lastPr", "open24h", "high24h", "low24h",
                             "change24h", "bidPr", "askPr", "bidSz", "askSz", "baseVolume",
                             "quoteVolume", "openUtc", "changeUtc24h", "ts"]
        assert all(isinstance(v, str) for v in row.values())
        assert float(row["bidPr"]) < float(row["askPr"])


async def test_unknown_symbol_gets_30001_with_arg_and_op() -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(Venue.BITGET).ws_url) as ws:
        bad = arg("XXXUSDT")
        await ws.send_str(json.dumps({"op": "subscribe", "args": [bad]}))
        assert await recv_json(ws) == {
            "event": "error", "arg": bad, "code": 30001,
            "msg": "instType:SPOT,channel:books1,instId:XXXUSDT doesn't exist",
            "op": "subscribe"}
        wrong_type = {"instType": "sp", "channel": "books1", "instId": "BTCUSDT"}
        await ws.send_str(json.dumps({"op": "subscribe", "args": [wrong_type]}))
        assert (await recv_json(ws))["code"] == 30001
        await ws.send_str("{garbage")
        assert (await recv_json(ws))["code"] == 30002


async def test_text_ping_gets_text_pong() -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(Venue.BITGET).ws_url) as ws:
        await ws.send_str("ping")
        assert (await ws.receive(timeout=5)).data == "pong"
        assert srv.stats[Venue.BITGET].pings == 1
