"""Bybit v5 spot (docs: https://bybit-exchange.github.io/docs/v5/intro; ArBot's notes:
docs/venues/bybit.md)."""

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
    venue=Venue.BYBIT,
    label="Bybit",
    short="BYB",
    ws_url="wss://stream.bybit.com/v5/public/spot",
    rest_url="https://api.bybit.com",
    private_ws_url="wss://stream.bybit.com/v5/private",
    taker_fee_bps=10.0,
    maker_fee_bps=10.0,
    credentials=CredentialNames("BYBIT_API_KEY", "BYBIT_API_SECRET"),
    tardis_id="bybit-spot",
    # Lag is measured from `ts`, not `cts` (docs/venues/bybit.md, "Timestamps").
    l1_channel="orderbook.1",
    # "Orderbook": spot level 1 pushes every 10 ms on change, and "if 3 seconds have
    # elapsed without a change in the orderbook, a snapshot message will be pushed again".
    quote_resend_s=3.0,
    sim=SimSpec(
        # "WebSocket Connect": a connection with "no ping-pong and no stream data" for
        # 10 minutes is closed.
        heartbeat=Heartbeat(idle_timeout_s=600.0, data_keeps_alive=True),
        demo_credentials=Credentials("arbot-demo-bybit-key", "arbot-demo-bybit-secret"),
        fees=FeeRates(Decimal("0.001"), Decimal("0.001")),
        order_limit=RateLimit(20, 1.0),  # "Rate Limit Rules": spot order entry 20/s
        style=VenueStyle(spread_bps=1.6, depth_quote=30_000.0, latency_ticks=1,
                         jitter_bps=0.25, lag_ms=20.0,
                         lag_jitter_ms=8.0),
        # Plausible values modelled on the real listings ("Get Instruments Info").
        rules={
            "BTC-USDT": Rules(price_dp=1, qty_dp=6, min_qty="0.000011", min_notional="5"),
            "ETH-USDT": Rules(price_dp=2, qty_dp=5, min_qty="0.00012", min_notional="5"),
            "SOL-USDT": Rules(price_dp=2, qty_dp=3, min_qty="0.005", min_notional="5"),
            "XRP-USDT": Rules(price_dp=4, qty_dp=2, min_qty="1.7", min_notional="5"),
        },
    ),
)
