"""OKX v5 spot (docs: https://www.okx.com/docs-v5/en/; ArBot's notes: docs/venues/okx.md)."""

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
    venue=Venue.OKX,
    label="OKX",
    short="OKX",
    ws_url="wss://ws.okx.com:8443/ws/v5/public",
    rest_url="https://www.okx.com",
    private_ws_url="wss://ws.okx.com:8443/ws/v5/private",
    taker_fee_bps=10.0,
    maker_fee_bps=8.0,
    credentials=CredentialNames("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE"),
    tardis_id="okex",
    l1_channel="bbo-tbt",  # data[0].ts: when the push was triggered
    # "Order book channel", bbo-tbt: "Snapshot data will be pushed every 10 ms when there
    # are changes": on change only, no periodic re-send.
    sim=SimSpec(
        # "WebSocket / Connect": the connection breaks "if there is no data return
        # for more than 30 seconds" (pushed data keeps it alive).
        heartbeat=Heartbeat(idle_timeout_s=30.0, data_keeps_alive=True),
        demo_credentials=Credentials("arbot-demo-okx-key", "arbot-demo-okx-secret",
                                     "arbot-demo-okx-passphrase"),
        fees=FeeRates(Decimal("0.0008"), Decimal("0.001")),
        order_limit=RateLimit(60, 2.0),  # "Place order": 60 requests per 2 s
        style=VenueStyle(spread_bps=1.2, depth_quote=40_000.0, latency_ticks=1,
                         jitter_bps=0.25, lag_ms=15.0,
                         lag_jitter_ms=5.0),
        # Plausible values modelled on the real listings ("Get instruments").
        rules={
            "BTC-USDT": Rules(price_dp=1, qty_dp=8, min_qty="0.00001", min_notional="0"),
            "ETH-USDT": Rules(price_dp=2, qty_dp=6, min_qty="0.0001", min_notional="0"),
            "SOL-USDT": Rules(price_dp=2, qty_dp=6, min_qty="0.001", min_notional="0"),
            "XRP-USDT": Rules(price_dp=4, qty_dp=6, min_qty="1", min_notional="0"),
        },
    ),
)
