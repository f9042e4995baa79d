"""A DataTable whose cells change in place several times a second, at a low cost per tick.

Why not `DataTable.update_cell`: each call moves the table's update counter, which is part
of every render-cache key, and refreshes the whole widget. At 200 symbols x 4 venues that
is a thousand counter moves per tick, every cell in view rendered again at each paint
(changed or not), and thousands of stale cache entries that live on in the table's LRU
caches until evicted, long enough to be promoted to the old generation and lengthen the
next full garbage collection (bench/tui.py). Here cells are written straight into the
table's data, only if they differ from what it holds; at `flush` only the cache entries
of the cells written (and of the lines and rows holding them) are dropped, so they die
young and every other cell keeps its rendering, and only the rows written that are in
view are repainted. The counter does not move: row order and heights are unchanged.

This uses Textual's private DataTable internals (`_data`, the four render caches and
their key layout, `_row_locations`, `_y_offsets`, `_get_offsets`, `_get_row_region`,
`_refresh_region`); pyproject pins textual below the next major version, and
tests/tui/test_refresh_cost.py fails if they change shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.cache import LRUCache
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class LiveTable(DataTable[object]):
    """A DataTable with `put` (write a cell if it changed) and `flush` (repaint the rows
    written, when in view). Posts `ViewMoved` when other rows come into view (scrolling,
    a resize), so the owner can fill rows it left alone while they were out of view."""

    class ViewMoved(Message):
        """Other rows may be in view now."""

        def __init__(self, table: LiveTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> LiveTable:
            return self.table

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._written: set[tuple[str, str]] = set()  # cells written since the last flush
        self.writes = 0  # cells actually changed, for tests and the benchmark

    def put(self, row: str, column: str, value: Text | str) -> bool:
        """Hold `value` in the cell at (`row`, `column`); True if it changed. The screen
        shows it after `flush`."""
        # Row and column keys hash and compare as their strings: plain str lookups work,
        # and an unknown row or column raises KeyError instead of adding a cell.
        cells = self._data[row]  # type: ignore[index]
        if cells[column] == value:  # type: ignore[index]
            return False
        cells[column] = value  # type: ignore[index]
        self._written.add((row, column))
        self.writes += 1
        return True

    def clear(self, columns: bool = False) -> LiveTable:
        self._written = set()
        super().clear(columns)
        return self

    def flush(self) -> int:
        """Drop the renderings of the cells written since the last flush and repaint
        their rows that are in view (those out of view cost nothing more); returns how
        many cells were written."""
        written = self._written
        if not written:
            return 0
        self._written = set()
        rows = {row for row, _ in written}
        locations = self._row_locations
        indexes = {index for row in rows if (index := locations.get(RowKey(row))) is not None}
        # Key layouts (textual 8.2): cell (row_key, column_key, ...), row (row_key, ...),
        # row renderables (update_count, row_index), line (y, ...).
        _drop(self._cell_render_cache, lambda k: (k[0].value, k[1].value) in written)
        _drop(self._row_render_cache, lambda k: k[0].value in rows)
        _drop(self._row_renderable_cache, lambda k: k[1] in indexes)
        _drop(self._line_cache, lambda k: self._line_row(k[0]) in rows)
        window = self.rows_in_view()
        for row in rows & window:
            index = locations.get(RowKey(row))
            if index is not None:  # not removed since
                self._refresh_region(self._get_row_region(index))
        return len(written)

    def _line_row(self, y: int) -> str | None:
        try:
            return self._get_offsets(y)[0].value
        except LookupError:
            return None

    def rows_in_view(self) -> set[str]:
        """Keys of the rows at least partly in view (none before the table has a size)."""
        top = round(self.scroll_y)
        lines = self.scrollable_content_region.height - self.header_height
        offsets = self._y_offsets
        keys = {offsets[y][0].value for y in range(top, min(top + max(lines, 0),
                                                             len(offsets)))}
        return {key for key in keys if key is not None}

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.post_message(self.ViewMoved(self))

    def on_resize(self) -> None:
        # Textual calls DataTable's own `_on_resize` as well (handlers run along the MRO)
        self.post_message(self.ViewMoved(self))


def _drop(cache: LRUCache[Any, Any], stale: Callable[[Any], bool]) -> None:
    """Discard the entries whose key is `stale` (an LRUCache is not iterable; its keys
    are, and are copied first since discarding changes them)."""
    for key in [k for k in cache.keys() if stale(k)]:  # noqa: SIM118
        cache.discard(key)
