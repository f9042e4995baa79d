"""A venue number that is not finite ("NaN", "Infinity", "1e400") is an unreadable answer,
never an amount: booked as a fee, a fill or a balance it would turn the ledger and every
PnL after it into NaN. Every number of the venues' documented private pushes and signed
REST answers is tried, and nothing non-finite may come out."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from arbot.domain import Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.orderwire import OrderRef
from tests.exchanges import FIXTURES
from tests.exchanges.test_private_stream_parse import Heard
from tests.exchanges.test_private_stream_parse import lines as stream_lines

BAD = ["NaN", "Infinity", "-Infinity", "1e400"]


def numeric_slots(node: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) holding a number or a numeric string."""
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in items:
        if isinstance(child, (int, float)) and not isinstance(child, bool):
            yield node, key
        elif isinstance(child, str):
            try:
                float(child)
            except ValueError:
                pass
            else:
                yield node, key
        else:
            yield from numeric_slots(child)


def mutations(frame: str) -> Iterator[str]:
    """`frame` with one number made non-finite, for each number in it."""
    count = sum(1 for _ in numeric_slots(json.loads(frame)))
    for i in range(count):
        for bad in BAD:
            obj = json.loads(frame)
            container, key = list(numeric_slots(obj))[i]
            container[key] = bad
            yield json.dumps(obj)


def all_finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, msgspec.Struct):
        return all(all_finite(getattr(value, f)) for f in value.__struct_fields__)
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(all_finite(v) for v in value)
    return True


@pytest.mark.parametrize("venue", list(Venue))
def test_private_pushes_never_carry_a_non_finite_number(venue: Venue) -> None:
    for frame in stream_lines(venue):
        for bad in mutations(frame):
            heard = Heard(venue)
            out = heard.feed(bad)
            assert all_finite(out), (bad, out)


REST = [
    (Venue.BINANCE, "DOCS_order_FULL.json", "parse_status"),
    (Venue.BINANCE, "DOCS_order_query.json", "parse_status"),
    (Venue.BINANCE, "DOCS_account.json", "parse_balances"),
    (Venue.BYBIT, "DOCS_order_realtime.json", "parse_status"),
    (Venue.BYBIT, "DOCS_wallet_balance.json", "parse_balances"),
    (Venue.OKX, "DOCS_order_details.json", "parse_status"),
    (Venue.OKX, "CCXT_balance_TRIMMED.json", "parse_balances"),
    (Venue.BITGET, "DOCS_orderInfo.json", "parse_status"),
    (Venue.BITGET, "DOCS_assets.json", "parse_balances"),
    (Venue.BINANCE, "DOCS_commission.json", "parse_fee_rates"),
    (Venue.BYBIT, "DOCS_fee_rate.json", "parse_fee_rates"),
    (Venue.OKX, "DOCS_trade_fee.json", "parse_fee_rates"),
    (Venue.BITGET, "DOCS_trade_rate.json", "parse_fee_rates"),
    (Venue.BINANCE, "DOCS_capital_config_getall.json", "parse_coins"),
    (Venue.BYBIT, "DOCS_coin_query_info.json", "parse_coins"),
    (Venue.OKX, "DOCS_asset_currencies.json", "parse_coins"),
    (Venue.BITGET, "DOCS_public_coins.json", "parse_coins"),
]


@pytest.mark.parametrize(("venue", "name", "method"), REST)
def test_signed_rest_answers_never_carry_a_non_finite_number(venue: Venue, name: str,
                                                             method: str) -> None:
    parse = getattr(adapter_for(venue), method)
    text = (FIXTURES / venue.value / "private" / name).read_text()
    ref = OrderRef("BTCUSDT", "x", "BTC", "USDT")
    for bad in mutations(text):
        try:
            got = parse(bad.encode(), ref) if method == "parse_status" else \
                parse(bad.encode(), "BTCUSDT") if method == "parse_fee_rates" \
                else parse(bad.encode())
        except ValueError:
            continue  # unreadable: the caller asks again or reports it
        assert all_finite(got), (bad, got)
