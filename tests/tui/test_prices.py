"""The Prices screen shows the engine's judgement (which quotes count, best spreads net of
the fees the engine pays), never a re-derivation of its own on the wall clock or the
configured fees."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable

from arbot.domain import Venue
from tests.conftest import until
from tests.tui.fakes import STATUSES, FakeRuntime, FrozenEngine, frozen_app, quote
from tests.tui.test_app import SIZE, cell_text


def dimmed(table: DataTable[object], row: str, column: str) -> bool:
    cell = table.get_cell(row, column)
    assert isinstance(cell, Text) and cell.spans
    return all(str(span.style) == "dim" for span in cell.spans)


async def test_prices_show_the_engines_freshness_and_spreads(tmp_path: Path) -> None:
    # The wall clock stepped, so receive stamps and the engine's monotonic clock disagree:
    # binance's stamp looks 4 s old but the engine took it 10 ms ago (it counts); bybit's
    # stamp looks new but the engine took it 5 s ago (Bybit re-sends an unchanged book
    # every 3 s, so that quote is overdue: it does not count). And the engine pays OKX's
    # real account rate (2 bps), not the configured 10.
    binance = quote(Venue.BINANCE, "BTC-USDT", 64001.5, 64001.6, age_ms=4000)
    bybit = quote(Venue.BYBIT, "BTC-USDT", 64000.9, 64001.2, age_ms=10)
    okx = quote(Venue.OKX, "BTC-USDT", 64003.1, 64003.4, age_ms=20)
    engine = FrozenEngine(market=False)
    for s in STATUSES:
        engine.engine.on_feed_status(s)
    engine.engine.set_taker_fee(Venue.OKX, 2.0)
    for q, engine_age_ms in ((binance, 10), (bybit, 5000), (okx, 20)):
        engine.receive(q, engine_age_ms)
    app = frozen_app(tmp_path, runtime=FakeRuntime(engine))
    async with app.run_test(size=SIZE) as pilot:
        for s in STATUSES:
            app.sink.on_feed_status(s)
        for q in (binance, bybit, okx):
            app.sink.on_quote(q)
        app.flush()
        table = app.screen.query_one("#prices", DataTable)
        await until(lambda: cell_text(table, "BTC-USDT", "net") != "-", "the spreads",
                    pause=pilot.pause)
        # Buy binance's ask 64001.6, sell OKX's bid 64003.1: +0.23 bps gross, less 10 + 2
        # bps of fees. (A wall-clock screen on configured fees would count bybit instead of
        # binance and show +0.3 and -19.7.)
        assert cell_text(table, "BTC-USDT", "gross") == "+0.2"
        assert cell_text(table, "BTC-USDT", "net") == "-11.8"
        assert not dimmed(table, "BTC-USDT", "binance")
        assert dimmed(table, "BTC-USDT", "bybit")
        assert not dimmed(table, "BTC-USDT", "okx")


async def test_prices_count_nothing_before_the_engine_has_spoken(tmp_path: Path) -> None:
    app = frozen_app(tmp_path, runtime=FakeRuntime(engine=None))
    async with app.run_test(size=SIZE) as pilot:
        for s in STATUSES:  # live venues, young quotes: still not the screen's call
            app.sink.on_feed_status(s)
        app.sink.on_quote(quote(Venue.BINANCE, "BTC-USDT", 64001.5, 64001.6))
        app.sink.on_quote(quote(Venue.OKX, "BTC-USDT", 64003.1, 64003.4))
        app.flush()
        table = app.screen.query_one("#prices", DataTable)
        await until(lambda: "64001.6" in cell_text(table, "BTC-USDT", "binance"), "prices",
                    pause=pilot.pause)
        assert dimmed(table, "BTC-USDT", "binance") and dimmed(table, "BTC-USDT", "okx")
        assert cell_text(table, "BTC-USDT", "net") == "-"
