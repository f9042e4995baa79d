"""CSV export of recorded data: streamed row by row, written atomically.

A file export goes to a temporary file beside the target and is renamed into place only
when complete, so a failed or interrupted export never leaves a truncated CSV behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import stat
import sys
import tempfile
from collections.abc import AsyncIterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO

from arbot.domain import Quote
from arbot.storage.models import EpisodeRecord, TradeRecord
from arbot.timefmt import format_time_ns
from arbot.verdicts import split_verdict

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
    "sell_quote_ts",
    # the verdict's step code (passed, filtered:<filter>) and its free text apart
    # (arbot.verdicts), so a spreadsheet can group by the code
    "verdict", "verdict_detail", "close_reason",
    # the walked figures at the peak (docs/depth.md); empty for episodes recorded before
    "walk_size_peak", "walk_profit_peak", "walk_net_bps_peak", "buy_vwap_peak",
    "sell_vwap_peak", "buy_worst_peak", "sell_worst_peak", "buy_levels_peak",
    "sell_levels_peak",
    # [strategy] rebalance_cost (docs/inventory.md): the amortized transfer cost and the
    # net after fees and transfers, beside net_bps_peak; empty for episodes recorded before
    "transfer_bps", "net_bps_after_transfers",
)


def episode_csv_row(e: EpisodeRecord) -> tuple[str, ...]:
    """One episode as CSV text; open episodes have no close time or duration yet."""
    duration = "" if e.closed_ns is None else f"{(e.closed_ns - e.opened_ns) / 1e6:.3f}"
    return (e.episode_id, e.symbol, e.buy_venue, e.sell_venue, format_time_ns(e.opened_ns),
            _time(e.closed_ns), duration, plain_number(e.net_bps_open),
            plain_number(e.net_bps_peak), plain_number(e.size_peak),
            plain_number(e.profit_peak), plain_number(e.buy_ask), plain_number(e.sell_bid),
            _num(e.buy_ask_size), _num(e.sell_bid_size), _num(e.buy_fee_bps),
            _num(e.sell_fee_bps), _time(e.buy_quote_ns), _time(e.sell_quote_ns),
            *split_verdict(e.verdict), _text(e.close_reason), _num(e.walk_size_peak),
            _num(e.walk_profit_peak), _num(e.walk_net_bps_peak), _num(e.buy_vwap_peak),
            _num(e.sell_vwap_peak), _num(e.buy_worst_peak), _num(e.sell_worst_peak),
            _int(e.buy_levels_peak), _int(e.sell_levels_peak), _num(e.transfer_bps),
            _num(e.net_bps_after_transfers))


TRADE_HEADER = (
    "trade_id", "opened", "closed", "mode", "symbol", "buy_venue", "sell_venue", "planned_qty",
    "bought_qty", "sold_qty", "buy_avg_price", "sell_avg_price", "buy_quote_price",
    "sell_quote_price", "fees", "expected_pnl", "pnl", "status", "leg_outcome", "detail",
)


def trade_csv_row(t: TradeRecord) -> tuple[str, ...]:
    """One trade as CSV text; fees and PnL are in the symbol's quote currency, net of
    every fee."""
    return (t.trade_id, format_time_ns(t.ts_open_ns), _time(t.ts_close_ns), t.mode.value,
            t.symbol, t.buy_venue, t.sell_venue, plain_number(t.qty), _num(t.buy_qty),
            _num(t.sell_qty), _num(t.buy_avg), _num(t.sell_avg), _num(t.buy_price),
            _num(t.sell_price), _num(t.fees), _num(t.expected_profit),
            _num(t.realized_profit), t.status, _text(t.leg_outcome), _text(t.detail))


def _num(value: float | None) -> str:
    return "" if value is None else plain_number(value)


def _int(value: int | None) -> str:
    return "" if value is None else str(value)


def _time(ns: int | None) -> str:
    return "" if ns is None else format_time_ns(ns)


def _text(value: str | None) -> str:
    return "" if value is None else value


CSV_MODE = 0o644


def _is_special(path: Path) -> bool:
    """True for an existing target that is not a regular file or a folder."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


async def write_csv(
    rows: AsyncIterable[Sequence[str]], header: Sequence[str], target: str | Path
) -> int:
    """Write `header` then every row to `target` (`-` is stdout); return the row count."""
    if str(target) == "-":
        return await _write_rows(sys.stdout, rows, header)
    path = Path(target)
    if _is_special(path):
        # A pipe or device (/dev/null, /dev/stdout, a FIFO a script reads): written in
        # place, since renaming a temp file over it would replace the device itself
        # (as root, /dev/null became a plain file) and a reader would see nothing.
        # Opening a FIFO waits for its reader: off the event loop.
        out = await asyncio.to_thread(open, path, "w", newline="", encoding="utf-8")
        with out:
            return await _write_rows(out, rows, header)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        # mkstemp makes 0600; a CSV is a report like summary.json and the charts (0644):
        # market data and the user's own trades, never a secret (those never reach the
        # database), so it gets their mode on purpose.
        os.fchmod(fd, CSV_MODE)
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
