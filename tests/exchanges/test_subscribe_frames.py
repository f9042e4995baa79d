"""Subscribe requests: documented shapes, per-frame and per-connection limits."""

from __future__ import annotations

import json

import pytest

from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.base import Adapter
from arbot.venues.bitget.public import BitgetAdapter
from arbot.venues.bybit.public import BybitAdapter
from arbot.venues.okx.public import OkxAdapter
from tests.exchanges import FIXTURES, dumps


def ids(n: int, width: int = 0) -> list[str]:
    """n distinct venue-style ids, padded to `width` chars to stress byte limits."""
    return [f"C{i:05d}".ljust(width, "X") + "USDT" for i in range(n)]


def frames_for(adapter: Adapter, venue_ids: list[str]) -> list[dict[str, object]]:
    return [json.loads(f) for f in adapter.subscribe_frames(venue_ids)]


def arg_lists(frames: list[dict[str, object]], key: str = "args") -> list[list[object]]:
    out = []
    for f in frames:
        args = f[key]
        assert isinstance(args, list)
        out.append(args)
    return out


def test_bybit_25_symbols_take_3_frames_of_at_most_10() -> None:
    adapter = BybitAdapter()
    venue_ids = ids(25)
    frames = frames_for(adapter, venue_ids)
    assert [len(a) for a in arg_lists(frames)] == [10, 10, 5]
    for n, f in enumerate(frames, 1):
        assert set(f) == {"op", "args", "req_id"}
        assert f["op"] == "subscribe" and f["req_id"] == str(n)
    assert [a for args in arg_lists(frames) for a in args] == [
        f"orderbook.1.{v}" for v in venue_ids]


def test_bybit_connections_keep_under_21000_chars_of_args() -> None:
    adapter = BybitAdapter()
    conns = adapter.connections(ids(1200, width=22))  # 26-char symbols
    assert [len(c) for c in conns] == [500, 500, 200]
    for conn in conns:
        args = [adapter.channel_arg(v) for v in conn]
        assert len(dumps(args)) <= 21_000
    real = json.loads((FIXTURES / "bybit/rest_instruments_info_spot_2026-08-09.json").read_bytes())
    longest = max(len(s["symbol"]) for s in real["result"]["list"])
    assert longest <= 26


def test_okx_frame_shape_and_split() -> None:
    adapter = OkxAdapter()
    conns = adapter.connections(ids(250))
    assert [len(c) for c in conns] == [100, 100, 50]
    for conn in conns:
        frames = adapter.subscribe_frames(conn)
        assert len(frames) == 1  # one of only 480 subscribe ops per hour per connection
        assert len(frames[0].encode()) <= 64_000
        f = json.loads(frames[0])
        assert f == {"op": "subscribe", "id": "1",
                     "args": [{"channel": "bbo-tbt", "instId": v} for v in conn]}


def test_bitget_frames_keep_args_under_4096_bytes() -> None:
    adapter = BitgetAdapter()
    venue_ids = ids(300, width=40)
    conns = adapter.connections(venue_ids)
    assert all(len(c) <= 50 for c in conns) and sum(map(len, conns)) == 300
    seen: list[object] = []
    split = False
    for conn in conns:
        frames = frames_for(adapter, conn)
        split |= len(frames) > 1
        for f in frames:
            assert set(f) == {"op", "args"} and f["op"] == "subscribe"
            args = f["args"]
            assert isinstance(args, list)
            assert len(dumps(args).encode()) <= 4096
            seen.extend(args)
    assert split  # long ids really hit the byte limit, not just the count
    assert seen == [{"instType": "SPOT", "channel": "books1", "instId": v} for v in venue_ids]


def test_bitget_normal_ids_need_one_frame_per_connection() -> None:
    adapter = BitgetAdapter()
    for conn in adapter.connections(ids(120)):
        assert len(adapter.subscribe_frames(conn)) == 1


@pytest.mark.parametrize("venue", list(Venue))
def test_frames_cover_every_symbol_once_within_limits(venue: Venue) -> None:
    adapter = adapter_for(venue)
    venue_ids = ids(2100, width=12)
    conns = adapter.connections(venue_ids)
    assert [v for c in conns for v in c] == venue_ids
    for conn in conns:
        assert len(conn) <= adapter.limits.streams_per_connection
        frames = adapter.subscribe_frames(conn)
        key = "params" if venue is Venue.BINANCE else "args"
        lists = arg_lists([json.loads(f) for f in frames], key)
        assert [a for args in lists for a in args] == [adapter.channel_arg(v) for v in conn]
        for f, args in zip(frames, lists, strict=True):
            assert len(args) <= adapter.limits.args_per_frame
            assert len(f.encode()) <= adapter.limits.frame_bytes


def test_heartbeats_and_endpoints() -> None:
    bybit, okx, bitget = BybitAdapter(), OkxAdapter(), BitgetAdapter()
    assert bybit.heartbeat.frame is not None
    assert json.loads(bybit.heartbeat.frame) == {"op": "ping"}
    assert (bybit.heartbeat.interval_s, bybit.heartbeat.idle_only) == (20.0, False)
    assert (okx.heartbeat.frame, okx.heartbeat.interval_s, okx.heartbeat.idle_only) == (
        "ping", 25.0, True)
    assert (bitget.heartbeat.frame, bitget.heartbeat.interval_s) == ("ping", 30.0)
    assert bybit.ws_url == "wss://stream.bybit.com/v5/public/spot"
    assert okx.ws_url == "wss://ws.okx.com:8443/ws/v5/public"
    assert bitget.ws_url == "wss://ws.bitget.com/v2/ws/public"
    assert bybit.rest_url + bybit.instruments_path == (
        "https://api.bybit.com/v5/market/instruments-info?category=spot")
    assert okx.rest_url + okx.instruments_path == (
        "https://www.okx.com/api/v5/public/instruments?instType=SPOT")
    assert bitget.rest_url + bitget.instruments_path == (
        "https://api.bitget.com/api/v2/spot/public/symbols")
