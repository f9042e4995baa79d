"""`arbot report`: PnL, trades, fees, win rate and drawdown across every recorded run, as
tables like the backtest's (or JSON, the same document `GET /api/profit` answers).

    arbot report [--group day|run|pair] [--since T] [--until T] [--run ID] [--mode M]
                 [--db PATH] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path

import msgspec

from arbot.backtest.output import table
from arbot.config import ArbotSettings
from arbot.storage.profit import ProfitGroup, ProfitReport, ProfitRow, read_profit
from arbot.timefmt import parse_time_ns
from arbot.tradekinds import TradingMode

COLUMNS = ("trades", "open", "filled", "win rate", "pnl", "fees", "max drawdown", "mode")
HEADINGS = {ProfitGroup.DAY: ("day (UTC)",), ProfitGroup.RUN: ("run", "started (UTC)"),
            ProfitGroup.PAIR: ("symbol buy>sell",)}


def add_parser(subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
               common_parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "report", parents=[common_parent],
        help="PnL, trades, fees, win rate and drawdown across every recorded run",
        description="PnL (net of fees, in quote currency), trades, fees, win rate and "
                    "maximum drawdown per day, per run or per symbol and venue pair, over "
                    "every trade in the database; trades still open are counted, not summed.")
    p.add_argument("--group", choices=[g.value for g in ProfitGroup], default="day",
                   help="one row per UTC day (default), per run, or per symbol and venue pair")
    p.add_argument("--since", metavar="TIME",
                   help="trades settled at or after, ISO-8601 UTC or epoch s")
    p.add_argument("--until", metavar="TIME", help="trades settled before (same forms)")
    p.add_argument("--run", type=int, metavar="ID", help="only this run's trades")
    p.add_argument("--mode", choices=[TradingMode.PAPER.value, TradingMode.LIVE.value],
                   help="only paper or only live trades (default both)")
    p.add_argument("--db", type=Path, metavar="PATH",
                   help="database (default [storage] path); opened read-only")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def row_cells(row: ProfitRow) -> tuple[object, ...]:
    """A row's cells in `COLUMNS` order, as the terminal table shows them."""
    rate = "-" if row.win_rate is None else f"{row.win_rate:.0%}"
    return (row.trades, row.open, row.filled, rate, f"{row.pnl:+.4f}", f"{row.fees:.4f}",
            f"{row.max_drawdown:.4f}", row.modes or "-")


def render(report: ProfitReport) -> str:
    """The report's table and its total, in the backtest report's layout."""
    t = report.total
    title = (f"PnL by {report.group} (net of fees, quote currency): {t.trades} trades, "
             f"pnl {t.pnl:+.4f}, fees {t.fees:.4f}, max drawdown {t.max_drawdown:.4f}")
    by_run = report.group is ProfitGroup.RUN  # the id is what `--run` takes

    def lead(r: ProfitRow) -> tuple[str, ...]:
        return (r.key, r.label) if by_run else (r.label,)

    rows: list[Sequence[object]] = [(*lead(r), *row_cells(r)) for r in report.rows]
    if report.rows:
        rows.append(("total", *([""] if by_run else []), *row_cells(t)))
    return table(title, (*HEADINGS[report.group], *COLUMNS), rows)


def run(args: argparse.Namespace, settings: ArbotSettings) -> int:
    since = parse_time_ns(args.since) if args.since else None
    until = parse_time_ns(args.until) if args.until else None
    report = asyncio.run(read_profit(settings.storage.path, ProfitGroup(args.group),
                                     since_ns=since, until_ns=until, run_id=args.run,
                                     mode=args.mode))
    if args.json:
        print(msgspec.json.encode(report).decode())
    else:
        print(render(report))
    return 0
