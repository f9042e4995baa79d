"""A one-line progress bar on stderr for long replays (plain text: only `arbot.tui` may use
rich). Progress is measured in replay time across the window, which costs two index
lookups up front instead of counting every row; it redraws at most 4 times a second.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24
EVERY_S = 0.25


class ProgressLine:
    def __init__(self, first_ns: int, last_ns: int, stream: TextIO | None = None) -> None:
        self.first_ns = first_ns
        self.span = max(1, last_ns - first_ns)
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._shown = 0.0
        self.drawn = False

    def __call__(self, t_ns: int, quotes: int) -> None:
        now = time.monotonic()
        if now - self._shown < EVERY_S:
            return
        self._shown = now
        done = min(1.0, max(0.0, (t_ns - self.first_ns) / self.span))
        elapsed = now - self.started
        rate = quotes / elapsed if elapsed > 0 else 0.0
        eta = elapsed * (1 - done) / done if done > 0 else 0.0
        bar = "#" * round(done * WIDTH)
        self.stream.write(f"\rbacktest [{bar:<{WIDTH}}] {done:6.1%}  {quotes:,} quotes  "
                          f"{rate:,.0f}/s  eta {eta:,.0f} s   ")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
