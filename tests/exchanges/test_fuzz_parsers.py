"""Property tests: no parser raises, every frame is either answered or counted, and every
quote that comes out is finite, positive and uncrossed, whatever the venue sends."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arbot.domain import FeedEvent, Pong, Quote, ShutdownNotice, SubscribeAck, Venue, VenueError
from arbot.exchanges import adapter_for
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.symbols import SymbolMap
from tests.exchanges import lines

# Real frames (plus the documented bbo-tbt shape for OKX) to mutate, per venue.
OKX_BBO = ('{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["111.06","55154",'
           '"0","2"]],"bids":[["111.05","57745","0","2"]],"ts":"1670324386802","seqId":1}]}')
SEEDS: dict[Venue, list[bytes]] = {
    Venue.BINANCE: lines("binance/ws_bookTicker_2021-10-12.jsonl")[:12]
    + lines("binance/ws_aggTrade_2021-10-12.jsonl") + [b'{"result":null,"id":1}'],
    Venue.BYBIT: lines("bybit/ws_spot_orderbook1_2025-06-13.jsonl")[:16],
    Venue.OKX: lines("okx/ws_tickers_BTC-USDT_2022-05-13.jsonl")[:6]
    + lines("okx/ws_trades_BTC-USDT_2022-05-13.jsonl")[:2]
    + lines("okx/ws_books_BTC-USDT_2022-05-13.jsonl")[1:3] + [OKX_BBO.encode()],
    Venue.BITGET: [f for f in lines("bitget/DOCS_EXAMPLES_NOT_RECORDED_v2_ws_spot.jsonl")
                   if b'"op"' not in f],
}
VENUES = list(Venue)
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def new_parser(venue: Venue) -> FrameParser:
    # `guess` maps any plausible id, so more mutated frames reach the quote gate.
    symbols = SymbolMap(venue, (), guess=True)
    return adapter_for(venue).new_parser(symbols.to_canonical, DropCounter())


def feed(p: FrameParser, frame: str | bytes) -> list[FeedEvent]:
    """Parse one frame and check everything the parser promises about it."""
    before = p.drops.total()
    events = p.parse(frame, 1)
    assert isinstance(events, list)
    assert events or p.drops.total() == before + 1, "a frame was neither answered nor counted"
    for e in events:
        assert isinstance(e, Quote | SubscribeAck | VenueError | Pong | ShutdownNotice)
        if isinstance(e, Quote):
            for v in (e.bid, e.bid_size, e.ask, e.ask_size):
                assert isinstance(v, float) and math.isfinite(v) and v > 0
            assert e.bid < e.ask
            assert e.ts_exchange_ms is None or isinstance(e.ts_exchange_ms, int)
            assert isinstance(e.symbol, str) and "-" in e.symbol
    return events


@pytest.mark.parametrize("venue", VENUES)
def test_seed_frames_are_good(venue: Venue) -> None:
    """The mutation seeds parse cleanly, so mutations start from real, quoting frames."""
    p = new_parser(venue)
    assert any(isinstance(e, Quote) for f in SEEDS[venue] for e in feed(p, f))


@pytest.mark.parametrize("venue", VENUES)
@FUZZ
@given(frame=st.binary(max_size=400))
def test_random_bytes(venue: Venue, frame: bytes) -> None:
    feed(new_parser(venue), frame)


@pytest.mark.parametrize("venue", VENUES)
@FUZZ
@given(frame=st.text(max_size=400))
def test_random_text(venue: Venue, frame: str) -> None:
    feed(new_parser(venue), frame)


NASTY = st.sampled_from(["NaN", "nan", "Infinity", "-Infinity", "inf", "1e400", "-1e400", "0",
                         "-0", "0.0", "-1", "-0.5", "", " ", "1e-320", "5e-324", "null", "true",
                         "snapshot", "delta", "SPOT", "sp", "SWAP", "bbo-tbt", "tickers",
                         "books1", "ticker", "orderbook.1.X", "BTC-USD-SWAP", "pong"])
VALUES: st.SearchStrategy[Any] = st.one_of(
    NASTY,
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=8),
    st.booleans(),
    st.none(),
    st.builds(list),  # fresh objects: a mutation may later write into them
    st.builds(dict),
    st.builds(lambda: [["1", "1"]]),
)


NUMBERS: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(["NaN", "Infinity", "-Infinity", "inf", "1e400", "0", "-0", "0.0", "-1",
                     "1e-320", "", "0.58", "0.579", "30228.6"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-5, max_value=10**6),
)


def is_number(value: object) -> bool:
    """A numeric string, as venues send prices, sizes and (OKX, Bitget) timestamps."""
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) position in a decoded JSON tree."""
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in items:
        out.append((node, key))
        slots(child, out)
    return out


@st.composite
def mutated(draw: st.DrawFn, venue: Venue) -> tuple[list[bytes], str]:
    """A few real frames as warm-up (Bybit keeps tops), then one frame with 1-4 mutations."""
    seeds = SEEDS[venue]
    frame = json.loads(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        positions = slots(frame, [])
        numbers = [(c, k) for c, k in positions if is_number(c[k])]
        action = draw(st.sampled_from(["number", "number", "number", "replace", "delete",
                                       "wrap"]))
        if action == "number" and numbers:
            # Mostly hit prices, sizes and timestamps, so many frames reach the quote gate.
            container, key = numbers[draw(st.integers(0, len(numbers) - 1))]
            container[key] = draw(NUMBERS)
            continue
        if not positions:
            break
        container, key = positions[draw(st.integers(0, len(positions) - 1))]
        if action == "delete":
            del container[key]
        elif action == "wrap":
            container[key] = [container[key]]
        else:
            container[key] = draw(VALUES)
    warm = draw(st.lists(st.sampled_from(seeds), max_size=3))
    return warm, json.dumps(frame, allow_nan=True, separators=(",", ":"))


@pytest.mark.parametrize("venue", VENUES)
@FUZZ
@given(data=st.data())
def test_mutated_real_frames(venue: Venue, data: st.DataObject) -> None:
    warm, frame = data.draw(mutated(venue))
    p = new_parser(venue)
    for f in warm:
        feed(p, f)
    feed(p, frame)
    feed(p, frame.encode())


# Invalid UTF-8 inside a string field the typed decoder reads: msgspec raises
# UnicodeDecodeError there, not DecodeError.
BAD_UTF8 = b'{"stream":"\xff","topic":"\xff","event":"\xff","s":"\xff"}'


@pytest.mark.parametrize("venue", list(Venue))
def test_invalid_utf8_in_a_known_field_is_counted(venue: Venue) -> None:
    p = new_parser(venue)
    assert p.parse(BAD_UTF8, 0) == []
    assert p.drops.as_dict() == {"invalid_json": 1}
