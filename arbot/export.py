"""CSV export of recorded data: streamed row by row, written atomically.

A file export goes to a temporary file beside the target and is renamed into place only
when complete, so a failed or interrupted export never leaves a truncated CSV behind.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sys
import tempfile
from collections.abc import AsyncIterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO

from arbot.domain import Quote
from arbot.timefmt import format_time_ns

QUOTE_HEADER = ("ts", "venue", "symbol", "bid", "bid_size", "ask", "ask_size")


def plain_number(value: float) -> str:
    """Shortest exact decimal text without exponent: 1.234e-05 -> 0.00001234.

    `repr` gives the shortest text that reads back to the same float, which for venue
    prices is the venue's own digits; Decimal only removes the exponent form.
    """
    return format(Decimal(repr(value)), "f")


def quote_csv_row(q: Quote) -> tuple[str, ...]:
    return (
        format_time_ns(q.ts_recv_ns),
        str(q.venue),
        q.symbol,
        plain_number(q.bid),
        plain_number(q.bid_size),
        plain_number(q.ask),
        plain_number(q.ask_size),
    )


EPISODE_HEADER = (
    "episode_id", "symbol", "buy_venue", "sell_venue", "opened", "closed", "duration_ms",
    "net_bps_open", "net_bps_peak", "size_peak", "profit_peak", "buy_ask", "sell_bid",
    "buy_ask_size", "sell_bid_size", "buy_fee_bps", "sell_fee_bps", "buy_quote_ts",
    "sell_quote_ts", "verdict", "close_reason",
)


def episode_csv_row(row: Sequence[object]) -> tuple[str, ...]:
    """One `opportunities` row (EPISODE_COLUMNS order) as CSV text; open episodes have no
    close time or duration yet."""
    (eid, symbol, buy, sell, opened, closed, net_open, net_peak, size, profit, ask, bid,
     ask_size, bid_size, buy_fee, sell_fee, buy_ts, sell_ts, verdict, reason) = row

    def num(v: object) -> str:
        return plain_number(v) if isinstance(v, float) else ("" if v is None else str(v))

    def ts(v: object) -> str:
        return format_time_ns(v) if isinstance(v, int) else ""

    duration = (closed - opened) / 1e6 if isinstance(closed, int) and isinstance(opened, int) \
        else None
    return (str(eid), str(symbol), str(buy), str(sell), ts(opened), ts(closed),
            "" if duration is None else f"{duration:.3f}", num(net_open), num(net_peak),
            num(size), num(profit), num(ask), num(bid), num(ask_size), num(bid_size),
            num(buy_fee), num(sell_fee), ts(buy_ts), ts(sell_ts), num(verdict), num(reason))


TRADE_HEADER = (
    "trade_id", "opened", "closed", "mode", "symbol", "buy_venue", "sell_venue", "planned_qty",
    "bought_qty", "sold_qty", "buy_avg_price", "sell_avg_price", "buy_quote_price",
    "sell_quote_price", "fees", "expected_pnl", "pnl", "status", "leg_outcome", "detail",
)


def trade_csv_row(row: Sequence[object]) -> tuple[str, ...]:
    """One `trades` row (TRADE_COLUMNS order) as CSV text; fees and PnL are in the
    symbol's quote currency, net of every fee."""
    return tuple(format_time_ns(v) if i in (1, 2) and isinstance(v, int)
                 else plain_number(v) if isinstance(v, float)
                 else "" if v is None else str(v) for i, v in enumerate(row))


async def write_csv(
    rows: AsyncIterable[Sequence[str]], header: Sequence[str], target: str | Path
) -> int:
    """Write `header` then every row to `target` (`-` is stdout); return the row count."""
    if str(target) == "-":
        return await _write_rows(sys.stdout, rows, header)
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
            count = await _write_rows(out, rows, header)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return count


async def _write_rows(
    out: IO[str], rows: AsyncIterable[Sequence[str]], header: Sequence[str]
) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    count = 0
    async for row in rows:
        writer.writerow(row)
        count += 1
    out.flush()
    return count
