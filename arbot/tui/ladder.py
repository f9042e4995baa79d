"""Both books of an episode side by side: the buy venue's asks and the sell venue's bids,
best first, with the levels the engine's walk took marked.

A level is walked when it is at or better than the walk's worst price on its side (the
IOC limit); the last one walked may be partly used. The books are the live ones from
the runtime's `DepthBoard`, read when the pane is drawn; a book that is resyncing is
said to be so and none of its levels is shown, since they are no longer the venue's.
With depth 1 no book is kept: the two top levels come from the opportunity's quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest

from rich.text import Text

from arbot.depth.board import VENUE_ORDER, DepthBoard
from arbot.depth.book import Level
from arbot.domain import Venue
from arbot.tui.fmt import decimals, qty
from arbot.tui.state import EpisodeRow

WALKED = "●"  # walked in full
PARTLY = "◐"  # the last level walked, of which the walk used only part
LEGEND = f"{WALKED} walked  {PARTLY} partly"
DEPTH_1 = "depth 1 ([market] depth): top levels only"
SIZE_WIDTH = 7  # `qty` never writes more


@dataclass(frozen=True, slots=True)
class LadderSide:
    """One side as shown: its title, its levels best first (None when there are none to
    show, `note` says why), and the walk's worst price there (None: nothing walked)."""

    title: str
    levels: list[Level] | None
    note: str
    worst: float | None
    asks: bool


def _book_side(board: DepthBoard, venue: str, symbol: str, asks: bool,
               rows: int) -> tuple[list[Level] | None, str]:
    try:
        index = VENUE_ORDER.index(Venue(venue))
    except ValueError:
        return None, "unknown venue"
    book = board.get(index, symbol)
    if book is None:
        return None, "no book yet"
    if not book.synced:
        return None, "resyncing"
    levels = (book.asks if asks else book.bids).top(rows)
    return (levels, "") if levels else (None, "empty")


def ladder_sides(row: EpisodeRow, board: DepthBoard | None,
                 rows: int) -> tuple[LadderSide, LadderSide, bool]:
    """The buy venue's asks and the sell venue's bids (at most `rows` levels each), and
    whether they come from the books (False: depth 1, the quotes' top levels)."""
    walk = row.walk
    buy_worst = walk.buy_worst if walk is not None else None
    sell_worst = walk.sell_worst if walk is not None else None
    if board is None or board.levels <= 1:
        ask_size = row.buy_ask_size if row.buy_ask_size is not None else 0.0
        bid_size = row.sell_bid_size if row.sell_bid_size is not None else 0.0
        return (LadderSide(f"{row.buy_venue} ask", [(row.buy_ask, ask_size)], "",
                           buy_worst, True),
                LadderSide(f"{row.sell_venue} bid", [(row.sell_bid, bid_size)], "",
                           sell_worst, False), False)
    asks, ask_note = _book_side(board, row.buy_venue, row.symbol, True, rows)
    bids, bid_note = _book_side(board, row.sell_venue, row.symbol, False, rows)
    # "now": the live books, which for a closed episode are not those it was seen on
    return (LadderSide(f"{row.buy_venue} asks now", asks, ask_note, buy_worst, True),
            LadderSide(f"{row.sell_venue} bids now", bids, bid_note, sell_worst, False), True)


def marks(side: LadderSide, walked_size: float) -> list[str]:
    """Per level: WALKED, PARTLY (the last walked level when the walk needed less than
    all of it) or a space."""
    out: list[str] = []
    used = 0.0
    for price, size in side.levels or ():
        worst = side.worst
        taken = worst is not None and (price <= worst if side.asks else price >= worst)
        if not taken:
            out.append(" ")
            continue
        last = price == worst
        out.append(PARTLY if last and walked_size - used < size * (1 - 1e-9) else WALKED)
        used += size
    return out


def render_ladder(row: EpisodeRow, board: DepthBoard | None, rows: int,
                  walked_style: str = "bold", note_style: str = "") -> Text:
    """The two sides as columns under a title line, marked levels in `walked_style`; a
    side with nothing to show says why in `note_style`; depth 1 ends with a line saying
    so."""
    ask, bid, from_books = ladder_sides(row, board, rows)
    walked = row.walk.size if row.walk is not None else 0.0
    prices = [p for side in (ask, bid) for p, _ in side.levels or ()]
    places = decimals(prices)
    price_width = max((len(f"{p:.{places}f}") for p in prices), default=7)
    width = 2 + price_width + 1 + SIZE_WIDTH
    columns = [_column(side, marks(side, walked), places, price_width, width, walked_style,
                       note_style) for side in (ask, bid)]
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{ask.title:<{width}.{width}}", "bold")
    text.append(" │ ")
    text.append(f"{bid.title:<{width}.{width}}", "bold")
    blank = (" " * width, "")
    for (ask_cell, ask_style), (bid_cell, bid_style) in zip_longest(*columns, fillvalue=blank):
        text.append("\n")
        text.append(ask_cell, ask_style)
        text.append(" │ ")
        text.append(bid_cell, bid_style)
    if not from_books:
        text.append("\n" + DEPTH_1, "dim")
    return text


def _column(side: LadderSide, side_marks: list[str], places: int, price_width: int,
            width: int, walked_style: str, note_style: str) -> list[tuple[str, str]]:
    """The side's lines as (text, style), each `width` wide: its levels, or its note."""
    if side.levels is None:
        return [(f"{side.note:<{width}.{width}}", note_style)]
    return [(f"{mark} {price:>{price_width}.{places}f} {qty(size):>{SIZE_WIDTH}}",
             walked_style if mark != " " else "")
            for (price, size), mark in zip(side.levels, side_marks, strict=True)]
