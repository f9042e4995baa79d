"""A DataTable whose cells change in place several times a second, at a low cost per tick.

Why not `DataTable.update_cell`: each call moves the table's update counter, which is part
of every render-cache key, and refreshes the whole widget. At 200 symbols x 4 venues that
is a thousand counter moves per tick, every line of the table re-rendered at each paint,
and thousands of stale cache entries that live on in the table's LRU caches until evicted,
long enough to be promoted to the old generation and lengthen the next full garbage
collection (bench/tui.py). Here cells are written straight into the table's data, only if
they differ from what it holds; at `flush` the counter moves once, the caches it keys
(now all stale) are emptied so their contents die young, and only the rows written that
are in view are repainted.

This uses Textual's private DataTable internals (`_data`, `_update_count`, the four render
caches, `_row_locations`, `_y_offsets`, `_get_row_region`, `_refresh_region`); pyproject
pins textual below the next major version, and tests/tui/test_refresh_cost.py fails if
they change shape.
"""

from __future__ import annotations

from rich.text import Text
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
        self._written: set[str] = set()  # row keys written since the last flush
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
        self._written.add(row)
        self.writes += 1
        return True

    def clear(self, columns: bool = False) -> LiveTable:
        self._written = set()
        super().clear(columns)
        return self

    def flush(self) -> int:
        """Repaint the rows written since the last flush (those out of view cost nothing
        more); returns how many rows were written."""
        written = self._written
        if not written:
            return 0
        self._update_count += 1  # every render-cache key holds it: all entries are stale
        self._row_render_cache.clear()
        self._cell_render_cache.clear()
        self._row_renderable_cache.clear()
        self._line_cache.clear()
        window = self.rows_in_view()
        locations = self._row_locations
        for row in written & window:
            index = locations.get(RowKey(row))
            if index is not None:  # not removed since
                self._refresh_region(self._get_row_region(index))
        count = len(written)
        self._written = set()
        return count

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
