"""Builds the trader the settings ask for: none when trading is off, the paper executor
with its own account in paper mode. Live mode gets its executor from `arbot.trading.live`.
"""

from __future__ import annotations

from collections.abc import Callable

from arbot.config import ArbotSettings
from arbot.domain import Quote, Venue
from arbot.storage.journal import TradeJournal
from arbot.trading.executor import Executor
from arbot.trading.ledger import Ledger
from arbot.trading.paper import PaperExecutor
from arbot.trading.preflight import Instruments
from arbot.trading.trader import TradeListener, Trader

Book = Callable[[Venue, str], Quote | None]


def paper_executor(settings: ArbotSettings, book: Book, instruments: Instruments
                   ) -> PaperExecutor:
    paper = settings.trading.paper
    ledger = Ledger({v: paper.starting(v) for v in Venue})
    fees = {v: settings.exchanges.for_venue(v).taker_fee_bps / 10_000 for v in Venue}
    return PaperExecutor(paper, book, instruments, fees, ledger)


def build_trader(settings: ArbotSettings, journal: TradeJournal, book: Book,
                 instruments: Instruments, *, run_id: int, armed: bool,
                 on_trade: TradeListener | None,
                 executor: Executor | None = None, ledger: Ledger | None = None) -> Trader:
    """The trader over `executor` (paper by default, with its ledger)."""
    if executor is None:
        paper = paper_executor(settings, book, instruments)
        executor, ledger = paper, paper.ledger
    assert ledger is not None
    return Trader(settings.trading, executor, journal, ledger, instruments, book,
                  run_id=run_id, armed=armed, on_trade=on_trade)
