"""A benchmark's helper process, shared by the feed and engine benchmarks.

It is started as a script, says `port N` on its first line, and is killed on leaving the
`with`, whatever happened. Its stdin stays open while we live: if this process dies, the
child sees EOF and exits, so no sender outlives a benchmark.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path


class ChildProcess:
    """Lines from the child's stdout arrive on a queue read with a timeout."""

    def __init__(self, script: Path, *args: str, name: str, start_s: float = 30.0) -> None:
        self.name = name
        self.start_s = start_s
        self.port = 0
        self.proc = subprocess.Popen([sys.executable, str(script), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.strip())
        self._lines.put("exited")

    def line(self, timeout: float) -> str:
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.name} said nothing for {timeout:g} s") from None

    def __enter__(self) -> ChildProcess:
        try:
            first = self.line(self.start_s)
            if not first.startswith("port "):
                raise RuntimeError(f"{self.name} did not start: {first!r}")
            self.port = int(first.split()[1])
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
