"""Bitget v2 spot (docs: https://www.bitget.com/api-doc/spot/intro; ArBot's notes:
docs/venues/bitget.md)."""

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
    venue=Venue.BITGET,
    label="Bitget",
    short="BGT",
    ws_url="wss://ws.bitget.com/v2/ws/public",
    rest_url="https://api.bitget.com",
    private_ws_url="wss://ws.bitget.com/v2/ws/private",
    taker_fee_bps=10.0,
    maker_fee_bps=10.0,
    credentials=CredentialNames("BITGET_API_KEY", "BITGET_API_SECRET",
                                "BITGET_API_PASSPHRASE"),
    tardis_id="bitget",
    l1_channel="books1",  # data[0].ts: the book's time (the envelope ts is push time)
    # "Websocket API" (common/websocket-intro), in some copies of the page: "Websocket
    # will be forcibly disconnected every 24 hours".
    max_connection_age_s=24 * 3600.0,
    # Classic accounts trade through /api/v2/spot/*, unified ones (UTA) through /api/v3/*
    # (`mode`); new accounts are unified only.
    account_modes=("classic", "uta"),
    account_mode_labels=("classic", "unified"),
    # "Depth Channel", books1: "Push snapshot each time" at the channel's push frequency;
    # the page promises no re-send of an unchanged book, so none is assumed.
    sim=SimSpec(
        # "Websocket API": a connection without a ping for 2 minutes is closed; pushes
        # do not keep it alive.
        heartbeat=Heartbeat(idle_timeout_s=120.0, data_keeps_alive=False),
        demo_credentials=Credentials("arbot-demo-bitget-key", "arbot-demo-bitget-secret",
                                     "arbot-demo-bitget-passphrase"),
        fees=FeeRates(Decimal("0.001"), Decimal("0.001")),
        order_limit=RateLimit(10, 1.0),  # "Place Order": 10 requests/s per UID
        style=VenueStyle(spread_bps=2.0, depth_quote=20_000.0, latency_ticks=2,
                         jitter_bps=0.3, lag_ms=35.0,
                         lag_jitter_ms=12.0),
        # Plausible values modelled on the real listings ("Get Symbol Info").
        rules={
            "BTC-USDT": Rules(price_dp=2, qty_dp=6, min_qty="0", min_notional="1"),
            "ETH-USDT": Rules(price_dp=2, qty_dp=4, min_qty="0", min_notional="1"),
            "SOL-USDT": Rules(price_dp=3, qty_dp=4, min_qty="0", min_notional="1"),
            "XRP-USDT": Rules(price_dp=4, qty_dp=2, min_qty="0", min_notional="1"),
        },
    ),
)
