"""The domain Structs are built by keyword only, and that changes nothing they encode."""

from __future__ import annotations

import inspect

import msgspec
import pytest

from arbot import domain
from arbot.domain import PASSED, Opportunity, Quote, Venue

# Every Struct `arbot.domain` exports, whichever of its modules declares it.
STRUCTS = sorted((t for _, t in inspect.getmembers(domain, inspect.isclass)
                  if issubclass(t, msgspec.Struct)
                  and t.__module__.startswith(f"{domain.__name__}.")),
                 key=lambda t: t.__name__)


def test_every_domain_struct_is_found() -> None:
    names = {t.__name__ for t in STRUCTS}
    assert {"Quote", "Opportunity", "Episode", "OrderRequest", "OrderReport", "FeedStatus"} <= names


@pytest.mark.parametrize("struct", STRUCTS, ids=lambda t: t.__name__)
def test_positional_construction_is_refused(struct: type[msgspec.Struct]) -> None:
    """A positional call would bind values by position, so a field added or moved would
    shift every value after it without a word; keyword-only makes that a TypeError."""
    with pytest.raises(TypeError):
        struct(*([None] * len(struct.__struct_fields__)))


def test_encoded_field_order_is_the_declared_order() -> None:
    """kw_only must not reorder fields: anything encoded keeps its shape."""
    q = Quote(venue=Venue.OKX, symbol="BTC-USDT", bid=1.0, bid_size=2.0, ask=3.0, ask_size=4.0,
              ts_exchange_ms=None, ts_recv_ns=5)
    assert msgspec.json.encode(q) == (b'{"venue":"okx","symbol":"BTC-USDT","bid":1.0,'
                                      b'"bid_size":2.0,"ask":3.0,"ask_size":4.0,'
                                      b'"ts_exchange_ms":null,"ts_recv_ns":5}')
    o = Opportunity(symbol="BTC-USDT", buy=q, sell=q, buy_fee_bps=1.0, sell_fee_bps=1.0,
                    net_per_unit=0.5, net_bps=2.0, size=1.0, profit=0.5)
    assert list(msgspec.to_builtins(o)) == list(Opportunity.__annotations__)
    assert msgspec.json.encode(PASSED) == b'{"passed":true,"filter":"","reason":""}'
