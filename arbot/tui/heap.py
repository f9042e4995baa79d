"""Keep garbage collections short enough for a key press.

A full collection walks every tracked object, and a Textual app with its screens built
holds a few hundred thousand (widget trees, styles, render caches). Measured with
bench/tui.py at 200 symbols x 4 venues: one ran every 2-3 s and froze the screen for
100-600 ms, longer than a screen switch may take. Two things keep them short:

* freezing what is alive once the app is up, and again when a screen is first built,
  moves those objects out of the collector's reach (it still collects everything created
  afterwards);
* a higher first-generation threshold while the app runs: each refresh allocates a few
  thousand short-lived objects, and with the default 700 a young collection ran several
  times per tick and promoted objects still in use to the old generation, where only a
  full collection frees them.

Both are process-wide, so `HeapTuning` puts the thresholds back and unfreezes (letting
the app's own objects be collected) when the app leaves.
"""

from __future__ import annotations

import gc

THRESHOLD0 = 20_000  # young collections: every 20k net allocations instead of 700


def freeze_heap() -> None:
    """Collect once, then keep everything alive now out of later collections."""
    gc.collect()
    gc.freeze()


class HeapTuning:
    """The app's garbage-collector settings, from `start` until `stop`."""

    def __init__(self, threshold0: int = THRESHOLD0) -> None:
        self._threshold0 = threshold0
        self._saved: tuple[int, int, int] | None = None
        self._frozen_before = 0

    @property
    def active(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        if self._saved is not None:
            return
        saved = gc.get_threshold()
        self._saved = (saved[0], saved[1], saved[2])
        self._frozen_before = gc.get_freeze_count()
        gc.set_threshold(max(self._threshold0, saved[0]), saved[1], saved[2])

    def stop(self) -> None:
        """The thresholds as they were; the objects the app froze collectable again
        (unless someone else had frozen objects before the app started: then they stay)."""
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        self._saved = None
        if not self._frozen_before:
            gc.unfreeze()
