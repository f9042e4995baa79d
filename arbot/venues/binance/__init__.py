"""Binance spot (docs: https://developers.binance.com/docs/binance-spot-api-docs;
ArBot's notes: docs/venues/binance.md)."""

from __future__ import annotations

from decimal import Decimal

from arbot.domain import Venue
from arbot.venues.simspec import (
    Credentials,
    FeeRates,
    Heartbeat,
    RateLimit,
    Rules,
    SimSpec,
    VenueStyle,
)
from arbot.venues.spec import CredentialNames, VenueSpec

SPEC = VenueSpec(
    venue=Venue.BINANCE,
    label="Binance",
    short="BIN",
    ws_url="wss://stream.binance.com:9443/ws",
    rest_url="https://api.binance.com",
    private_ws_url="wss://ws-api.binance.com:443/ws-api/v3",
    taker_fee_bps=10.0,
    maker_fee_bps=10.0,
    credentials=CredentialNames("BINANCE_API_KEY", "BINANCE_API_SECRET"),
    tardis_id="binance",
    # "Individual Symbol Book Ticker Streams": the payload is {u, s, b, B, a, A}, no event
    # time, so lag is not measured (docs/venues/binance.md).
    l1_channel="bookTicker",
    no_event_time=True,
    # "WebSocket Streams": "A single connection to stream.binance.com is only valid for
    # 24 hours; expect to be disconnected at the 24 hour mark."
    max_connection_age_s=24 * 3600.0,
    # "Individual Symbol Book Ticker Streams": "Pushes any update to the best bid or ask's
    # price or quantity in real-time": on change only, no periodic re-send.
    sim=SimSpec(
        # "WebSocket Streams": the server pings every 20 s and disconnects a client
        # that has not answered within a minute.
        heartbeat=Heartbeat(ping_interval_s=20.0, pong_timeout_s=60.0),
        demo_credentials=Credentials("arbot-demo-binance-key", "arbot-demo-binance-secret"),
        fees=FeeRates(Decimal("0.001"), Decimal("0.001")),
        # "Limits": 1200 request weight per minute, per IP across endpoints.
        order_limit=RateLimit(1200, 60.0, per_path=False),
        style=VenueStyle(spread_bps=1.0, depth_quote=60_000.0, latency_ticks=0,
                         jitter_bps=0.2, lag_ms=8.0,
                         lag_jitter_ms=3.0),
        # Plausible values modelled on the real listings ("Exchange information").
        rules={
            "BTC-USDT": Rules(price_dp=2, qty_dp=5, min_qty="0.00001", min_notional="5"),
            "ETH-USDT": Rules(price_dp=2, qty_dp=4, min_qty="0.0001", min_notional="5"),
            "SOL-USDT": Rules(price_dp=2, qty_dp=3, min_qty="0.001", min_notional="5"),
            "XRP-USDT": Rules(price_dp=4, qty_dp=0, min_qty="1", min_notional="5"),
        },
    ),
)
