"""Balance drift on the Trades screen: the drifted balances and what they stop, in the
status lines; `b` asks before the ledger takes the venues' numbers, and says so when
there is nothing to acknowledge."""

from __future__ import annotations

from pathlib import Path

from arbot.domain import Balance, Venue
from arbot.trading.drift import BalanceSource
from arbot.tui.confirm import ConfirmDialog
from tests.conftest import until
from tests.tui.fakes import FakeRuntime, FakeTrader, FrozenEngine, frozen_app
from tests.tui.test_app import SIZE
from tests.tui.test_trading import notes, pane_text, trades_screen


def drift_okx_usdt(trader: FakeTrader, free: float) -> None:
    trader.drift.observe(Venue.OKX, {"USDT": Balance(asset="USDT", free=free)},
                         BalanceSource.STREAM)


async def test_b_asks_then_the_ledger_takes_the_venue_s_balance(tmp_path: Path) -> None:
    trader = FakeTrader()
    app = frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), trader=trader))
    async with app.run_test(size=SIZE) as pilot:
        await trades_screen(pilot, app)
        await pilot.press("b")
        await until(lambda: "No balance drift to acknowledge." in notes(app), "the note",
                    pause=pilot.pause)
        drift_okx_usdt(trader, 9_000.0)
        app.flush()
        await until(lambda: "BALANCE DRIFT: okx USDT 9000.00 (expected 10000.00, -10.0%): "
                            "no new trades on okx until acknowledged (b)"
                    in pane_text(app, "#trading-status"), "the drift line", pause=pilot.pause)
        await pilot.press("b")
        await until(lambda: isinstance(app.screen, ConfirmDialog), "the dialog",
                    pause=pilot.pause)
        await pilot.press("enter")  # Cancel has the focus: enter alone acknowledges nothing
        await until(lambda: not isinstance(app.screen, ConfirmDialog), "closed",
                    pause=pilot.pause)
        assert trader.drift.blocked(Venue.OKX)
        await pilot.press("b")
        await until(lambda: isinstance(app.screen, ConfirmDialog), "the dialog",
                    pause=pilot.pause)
        await pilot.press("y")
        await until(lambda: trader.drift.blocked(Venue.OKX) == "", "acknowledged",
                    pause=pilot.pause)
        assert trader.ledger.free(Venue.OKX, "USDT") == 9_000.0
        app.flush()
        await until(lambda: "BALANCE DRIFT" not in pane_text(app, "#trading-status"),
                    "the drift line gone", pause=pilot.pause)
