"""OKX v5 `bbo-tbt` and `tickers` pushes, acks with id and connId, 60012 / 60018 errors."""

from __future__ import annotations

import json

from arbot.domain import Venue
from tests.sim import on_tick, recv_json, running

ARGS = [{"channel": "bbo-tbt", "instId": "BTC-USDT"}, {"channel": "bbo-tbt", "instId": "ETH-USDT"}]


def check_bbo(frame: dict[str, object]) -> str:
    assert list(frame) == ["arg", "data"]
    arg, data = frame["arg"], frame["data"]
    assert isinstance(arg, dict) and isinstance(data, list) and len(data) == 1
    assert arg["channel"] == "bbo-tbt"
    row = data[0]
    assert list(row) == ["asks", "bids", "ts", "seqId"]
    assert isinstance(row["ts"], str) and row["ts"].isdigit()
    assert isinstance(row["seqId"], int)
    [[ask, ask_sz, zero_a, n_a]], [[bid, bid_sz, zero_b, n_b]] = row["asks"], row["bids"]
    assert all(isinstance(x, str) for x in (ask, ask_sz, n_a, bid, bid_sz, n_b))
    assert zero_a == zero_b == "0"  # deprecated field, always "0"
    assert float(bid) < float(ask)
    inst = str(arg["instId"])
    assert on_tick(bid, inst, Venue.OKX) and on_tick(ask, inst, Venue.OKX)
    return inst


async def test_subscribe_two_symbols_acks_per_arg_then_pushes() -> None:
    async with running(rate=100) as (srv, http), http.ws_connect(srv.urls(Venue.OKX).ws_url) as ws:
        await ws.send_str(json.dumps({"id": "1512", "op": "subscribe", "args": ARGS}))
        for arg in ARGS:
            ack = await recv_json(ws)
            assert list(ack) == ["id", "event", "arg", "connId"]
            assert ack["id"] == "1512" and ack["event"] == "subscribe" and ack["arg"] == arg
            assert len(ack["connId"]) == 8
        seen = {check_bbo(await recv_json(ws)) for _ in range(6)}
        assert seen == {"BTC-USDT", "ETH-USDT"}


async def test_tickers_channel_has_the_documented_fields() -> None:
    async with running(rate=100) as (srv, http), http.ws_connect(srv.urls(Venue.OKX).ws_url) as ws:
        await ws.send_str(json.dumps(
            {"op": "subscribe", "args": [{"channel": "tickers", "instId": "XRP-USDT"}]}))
        ack = await recv_json(ws)
        assert list(ack) == ["event", "arg", "connId"]  # no id when none was sent
        frame = await recv_json(ws)
        row = frame["data"][0]
        assert list(row) == ["instType", "instId", "last", "lastSz", "askPx", "askSz",
                             "bidPx", "bidSz", "open24h", "high24h", "low24h", "volCcy24h",
                             "vol24h", "sodUtc0", "sodUtc8", "ts"]
        assert all(isinstance(v, str) for v in row.values())
        assert row["instType"] == "SPOT" and float(row["bidPx"]) < float(row["askPx"])


async def test_unknown_instrument_is_60018_and_bad_request_60012() -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(Venue.OKX).ws_url) as ws:
        await ws.send_str(json.dumps({"id": "7", "op": "subscribe", "args": [
            {"channel": "bbo-tbt", "instId": "NOPE-USDT"}]}))
        err = await recv_json(ws)
        assert list(err) == ["id", "event", "code", "msg", "connId"]
        assert err["event"] == "error" and err["code"] == "60018" and err["id"] == "7"
        assert err["msg"].startswith(
            "Wrong URL or channel:bbo-tbt,instId:NOPE-USDT doesn't exist.")
        bad = '{"op": "subscribe", "argss":[{ "channel" : "tickers", "instId" : "BTC-USDT"}]}'
        await ws.send_str(bad)
        err = await recv_json(ws)
        assert err == {"event": "error", "code": "60012", "msg": f"Invalid request: {bad}",
                       "connId": err["connId"]}
        await ws.send_str("not json")
        assert (await recv_json(ws))["code"] == "60012"
        assert srv.stats[Venue.OKX].sub_errors == 3


async def test_text_ping_gets_text_pong() -> None:
    async with running() as (srv, http), http.ws_connect(srv.urls(Venue.OKX).ws_url) as ws:
        await ws.send_str("ping")
        msg = await ws.receive(timeout=5)
        assert msg.data == "pong"
