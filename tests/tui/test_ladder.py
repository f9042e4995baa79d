"""The depth ladder of the selected episode and the walked net on Prices: the walked levels
marked, a resyncing book never shown with its old levels, depth 1 said so, and the
walked figures always the engine's own (hand-set here, so a screen that walked the
book itself would show something else)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from msgspec.structs import replace
from textual.pilot import Pilot

from arbot.depth.board import DepthBoard
from arbot.domain import EpisodeEvent, EpisodeKind, Venue
from arbot.tui.app import ArbotApp
from arbot.tui.ladder import PARTLY, WALKED, LadderSide, ladder_sides, marks
from arbot.tui.opportunities import OpportunitiesScreen
from arbot.tui.prices import PricesScreen
from arbot.tui.state import EpisodeRow
from tests.conftest import until
from tests.tui.depthfakes import LADDER_ID, depth_board, ladder_event
from tests.tui.fakes import (
    MS,
    QUOTES,
    STATUSES,
    WALL_NS,
    FakeRuntime,
    FrozenEngine,
    episode_events,
    frozen_app,
)
from tests.tui.test_app import SIZE, cell_text


def board_app(tmp_path: Path, board: DepthBoard | None) -> ArbotApp:
    return frozen_app(tmp_path, runtime=FakeRuntime(FrozenEngine(), depth_board=board))


async def start(app: ArbotApp, pilot: Pilot[Any], *events: EpisodeEvent) -> None:
    """The market and `events` through the app's sink, then one tick."""
    await until(lambda: app.state.phase == "running", "the runtime", pause=pilot.pause)
    for s in STATUSES:
        app.sink.on_feed_status(s)
    for q in QUOTES:
        app.sink.on_quote(q)
    for event in events:
        app.sink.on_episode(event)
    app.flush()


async def open_ladder(app: ArbotApp, pilot: Pilot[Any], wanted: str) -> None:
    await pilot.press("o")
    await until(lambda: isinstance(app.screen, OpportunitiesScreen) and app.screen.ready
                and wanted in ladder(app), f"{wanted!r} in the ladder", pause=pilot.pause)


def ladder(app: ArbotApp) -> str:
    return str(app.screen.query_one("#episode-ladder").render())


def sides(app: ArbotApp) -> tuple[list[str], list[str]]:
    """The ladder's level lines, split into the ask side and the bid side."""
    rows = [line.split(" │ ") for line in ladder(app).splitlines()[1:] if " │ " in line]
    return [r[0] for r in rows], [r[1] for r in rows]


# -- marks -----------------------------------------------------------------------------


def test_levels_at_or_better_than_the_worst_price_are_walked_the_last_one_partly() -> None:
    asks = LadderSide("a asks", [(100.0, 1.0), (100.5, 2.0), (101.0, 4.0), (102.0, 1.0)],
                      "", 101.0, asks=True)
    assert marks(asks, 4.5) == [WALKED, WALKED, PARTLY, " "]
    bids = LadderSide("b bids", [(99.0, 1.0), (98.5, 2.0), (98.0, 4.0)], "", 98.5,
                      asks=False)
    assert marks(bids, 3.0) == [WALKED, WALKED, " "]  # the last level used in full
    assert marks(bids, 2.5) == [WALKED, PARTLY, " "]


def test_nothing_is_marked_when_the_engine_walked_nothing() -> None:
    side = LadderSide("a asks", [(100.0, 1.0), (100.5, 2.0)], "", None, asks=True)
    assert marks(side, 0.0) == [" ", " "]


def test_a_side_without_a_book_to_show_says_why_and_shows_no_level() -> None:
    board = depth_board()
    row = EpisodeRow.from_episode(ladder_event(Venue.BYBIT, Venue.BITGET).episode)
    ask, bid, from_books = ladder_sides(row, board, 10)
    assert from_books
    assert (ask.levels, ask.note) == (None, "resyncing")
    assert (bid.levels, bid.note) == (None, "no book yet")
    board.book(Venue.BITGET, "BTC-USDT").synced = True  # synced, but nothing in it
    assert ladder_sides(row, board, 10)[1].note == "empty"


# -- the ladder on screen ---------------------------------------------------------------


async def test_the_ladder_marks_the_walked_levels_of_both_live_books(tmp_path: Path) -> None:
    app = board_app(tmp_path, depth_board())
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, ladder_event())
        await open_ladder(app, pilot, "binance asks")
        title = ladder(app).splitlines()[0]
        assert "binance asks" in title and "okx bids" in title
        asks, bids = sides(app)
        assert len(asks) == 10  # ten levels of each book fit on a 30-line terminal
        assert [a[0] for a in asks[:4]] == [WALKED, WALKED, PARTLY, " "]
        assert [b[0] for b in bids[:4]] == [WALKED, WALKED, PARTLY, " "]
        assert asks[0].split()[1:] == ["63950.5", "0.0005"]  # best first
        assert bids[0].split()[1:] == ["64100.0", "0.0004"]
        assert "63965.0" in asks[-1] and "63970" not in ladder(app)  # the 11th is not shown
        figures = str(app.screen.query_one("#episode-figures").render())
        # the engine's walk beside the top of book, as reported
        assert "63950.95" in figures and "64099.02" in figures and "+3.13" in figures
        assert "63951.5" in figures and "64098.0" in figures and "0.0313" in figures


async def test_the_ladder_follows_the_terminal_height(tmp_path: Path) -> None:
    app = board_app(tmp_path, depth_board())
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot, ladder_event())
        await open_ladder(app, pilot, "binance asks")
        asks, _ = sides(app)
        assert 3 <= len(asks) < 10
        # everything else still fits: the table shows its header and some rows
        table = app.screen.query_one("#episodes")
        assert table.region.height >= 4 and table.region.bottom <= 24


async def test_a_resyncing_book_is_shown_as_such_never_with_its_old_levels(
        tmp_path: Path) -> None:
    board = depth_board()
    app = board_app(tmp_path, board)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, ladder_event(Venue.BYBIT, eid="BTC-USDT|bybit|okx|8"))
        await open_ladder(app, pilot, "bybit asks")
        asks, bids = sides(app)
        assert asks[0].strip() == "resyncing" and not any(a.strip() for a in asks[1:])
        assert "63901" not in ladder(app)  # the levels it held when it lost sync
        assert bids[0].split()[1:] == ["64100.0", "0.0004"]  # the other book still shows
        # its snapshot arrives: the next tick shows it ...
        book = board.book(Venue.BYBIT, "BTC-USDT")
        book.replace(bids=[("63949", "1")], asks=[("63950.7", "0.002"), ("63951.2", "0.4")])
        book.synced = True
        app.flush()
        await until(lambda: "63950.7" in ladder(app), "bybit's new book", pause=pilot.pause)
        # ... and the next fault hides it again at once
        book.synced = False
        app.flush()
        await until(lambda: "resyncing" in ladder(app), "resyncing again", pause=pilot.pause)
        assert "63950.7" not in ladder(app)


async def test_at_depth_1_the_ladder_shows_the_quotes_top_levels_and_says_so(
        tmp_path: Path) -> None:
    app = board_app(tmp_path, None)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, *episode_events())
        await open_ladder(app, pilot, "depth 1")
        lines = ladder(app).splitlines()
        assert lines[-1] == "depth 1 ([market] depth): top levels only"
        asks, bids = sides(app)
        # the open episode's quotes (binance ask 63950.5 x 0.65, okx bid 64100.0 x 0.5),
        # walked as depth 1 walks: the top levels, partly (0.00156 of each)
        assert [a.split() for a in asks] == [[PARTLY, "63950.5", "0.65"]]
        assert [b.split() for b in bids] == [[PARTLY, "64100.0", "0.5"]]


async def test_hidden_the_ladder_is_left_alone_and_shown_again_it_is_current(
        tmp_path: Path) -> None:
    board = depth_board()
    app = board_app(tmp_path, board)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, ladder_event())
        await open_ladder(app, pilot, "64100.0")
        screen = app.screen
        shown = ladder(app)
        await pilot.press("p")
        await until(lambda: isinstance(app.screen, PricesScreen), "prices", pause=pilot.pause)
        board.book(Venue.OKX, "BTC-USDT").apply(bids=[("64100", "0"), ("64100.5", "0.7")],
                                                asks=[])
        for _ in range(3):
            app.flush()
            await pilot.pause()
        assert str(screen.query_one("#episode-ladder").render()) == shown
        await pilot.press("o")
        await until(lambda: "64100.5" in ladder(app), "the book as it is now",
                    pause=pilot.pause)
        assert "64100.0" not in ladder(app)


async def test_a_recorded_episode_without_a_walk_shows_dashes_and_no_marks(
        tmp_path: Path) -> None:
    app = board_app(tmp_path, depth_board())
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot)
        row = EpisodeRow.from_episode(ladder_event().episode)
        row.walk, row.recorded = None, True
        app.state.add_history([row])
        await open_ladder(app, pilot, "binance asks")
        asks, bids = sides(app)
        assert all(a[0] == " " for a in asks) and all(b[0] == " " for b in bids)
        figures = str(app.screen.query_one("#episode-figures").render()).splitlines()
        assert figures[1].split() == ["size", "0.0004", "-"]


# -- Prices -----------------------------------------------------------------------------


async def test_prices_show_the_engines_walked_net_under_the_top_of_book_net(
        tmp_path: Path) -> None:
    app = board_app(tmp_path, depth_board())
    async with app.run_test(size=SIZE) as pilot:
        walked = ladder_event()
        better = ladder_event(Venue.BYBIT, eid="BTC-USDT|bybit|okx|9")
        better = replace(better, episode=replace(better.episode, last=replace(
            better.episode.last, walk_net_bps=4.56)))
        await start(app, pilot, walked, better)
        table = app.screen.query_one("#prices")
        await until(lambda: "\n" in cell_text(table, "BTC-USDT", "net"), "the walked net",
                    pause=pilot.pause)
        top, walk = cell_text(table, "BTC-USDT", "net").split("\n")
        assert top == "-19.7"  # the engine's market view, at the top of book
        assert walk == "+4.6"  # the best open episode's walk, as the engine reported it
        assert "\n" not in cell_text(table, "ETH-USDT", "net")  # nothing open: no walk
        # both close: the walked figure goes with them
        for event in (walked, better):
            closed = replace(event.episode, closed_ns=WALL_NS - MS, close_reason="below_min")
            app.sink.on_episode(EpisodeEvent(kind=EpisodeKind.CLOSE, episode=closed))
        app.flush()
        await until(lambda: "\n" not in cell_text(table, "BTC-USDT", "net"),
                    "the walked net gone", pause=pilot.pause)
        assert LADDER_ID in app.state.episodes
