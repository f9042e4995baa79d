"""Each adapter's depth side: the documented channel, the unsubscribe op a resync sends
before subscribing again, Binance's REST snapshot path, and subscribe frames and
connections sized for the depth channel."""

from __future__ import annotations

import json

import pytest

from arbot.domain import Venue
from arbot.exchanges import adapter_for

BN, BY, OKX, BG = Venue.BINANCE, Venue.BYBIT, Venue.OKX, Venue.BITGET


@pytest.mark.parametrize(("venue", "venue_id", "arg"), [
    (BN, "BTCUSDT", "btcusdt@depth@100ms"),
    (BY, "BTCUSDT", "orderbook.50.BTCUSDT"),
    (OKX, "BTC-USDT", {"channel": "books", "instId": "BTC-USDT"}),
    (BG, "BTCUSDT", {"instType": "SPOT", "channel": "books", "instId": "BTCUSDT"}),
])
def test_depth_channel_args(venue: Venue, venue_id: str, arg: object) -> None:
    assert adapter_for(venue).depth_channel_arg(venue_id) == arg


@pytest.mark.parametrize(("venue", "frame"), [
    (BN, {"method": "UNSUBSCRIBE", "params": ["btcusdt@depth@100ms"], "id": 7}),
    (BY, {"op": "unsubscribe", "args": ["orderbook.50.BTCUSDT"], "req_id": "7"}),
    (OKX, {"op": "unsubscribe", "args": [{"channel": "books", "instId": "BTC-USDT"}],
           "id": "7"}),
    (BG, {"op": "unsubscribe", "args": [{"instType": "SPOT", "channel": "books",
                                         "instId": "BTCUSDT"}]}),
])
def test_unsubscribe_frames_mirror_the_subscribe_frames(venue: Venue, frame: dict[str, object]
                                                        ) -> None:
    adapter = adapter_for(venue)
    venue_id = "BTC-USDT" if venue is OKX else "BTCUSDT"
    args = [adapter.depth_channel_arg(venue_id)]
    assert json.loads(adapter.unsubscribe_frame(args, 7)) == frame
    sub = json.loads(adapter.subscribe_frame(args, 7))
    assert json.loads(adapter.unsubscribe_frame(args, 7).replace("unsubscribe", "subscribe")
                      .replace("UNSUBSCRIBE", "SUBSCRIBE")) == sub


def test_only_binance_starts_its_books_from_a_rest_snapshot() -> None:
    adapter = adapter_for(BN)
    assert adapter.rest_limits.endpoint("/api/v3/depth?symbol=BTCUSDT&limit=500").weight == 25
    assert adapter.depth_snapshot_path("BTCUSDT") == \
        "/api/v3/depth?symbol=BTCUSDT&limit=500"
    assert [adapter_for(v).depth_snapshot_path("BTCUSDT") for v in (BY, OKX, BG)] == \
        [None, None, None]


@pytest.mark.parametrize("venue", list(Venue))
def test_subscribe_frames_for_depth_carry_the_depth_channel(venue: Venue) -> None:
    adapter = adapter_for(venue)
    ids = [f"C{i}USDT" if venue is not OKX else f"C{i}-USDT" for i in range(25)]
    frames = adapter.subscribe_frames(ids, depth=True)
    args = [a for f in frames for a in json.loads(f).get("params", json.loads(f).get("args"))]
    assert args == [adapter.depth_channel_arg(i) for i in ids]
    assert all(len(f.encode()) <= adapter.limits.frame_bytes for f in frames)
    assert adapter.subscribe_frames(ids) != frames  # the L1 channel by default


def test_okx_depth_connections_hold_fewer_than_thirty_books() -> None:
    """"it is recommended to subscribe through multiple websocket connections, with each
    of less than 30 channels" (OKX, "Order book channel")."""
    adapter = adapter_for(OKX)
    ids = [f"C{i}-USDT" for i in range(100)]
    assert [len(c) for c in adapter.connections(ids, depth=True)] == [29, 29, 29, 13]
    assert [len(c) for c in adapter.connections(ids)] == [100]
    assert adapter_for(BY).connections(ids, depth=True) == adapter_for(BY).connections(ids)
