"""Keep full garbage collections short enough for a key press.

A full collection walks every tracked object, and a Textual app with its screens built
holds a few hundred thousand (widget trees, styles, render caches). Measured with
bench/tui.py at 200 symbols x 4 venues: one ran every 3-4 s and froze the screen for
100-300 ms, longer than a screen switch may take. Freezing what is alive once the app is
up, and again when a screen is first built, moves those objects out of the collector's
reach; it still collects everything created afterwards.
"""

from __future__ import annotations

import gc


def freeze_heap() -> None:
    gc.collect()
    gc.freeze()
