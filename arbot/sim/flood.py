"""Flood mode's pre-framed data, for benchmarks that need the server to be cheap.

Frames are encoded once into whole WebSocket text frames and joined into chunks, so a
flood connection costs one transport write (one syscall) per chunk rather than JSON
encoding plus framing plus a syscall per frame. The ring repeats (prices and update
ids included) until it is rebuilt from the live model, about once a second.
"""

from __future__ import annotations

from dataclasses import dataclass

FLOOD_BATCH = 256


def text_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented WebSocket text frame (RFC 6455 5.2), as servers send."""
    n = len(payload)
    if n < 126:
        head = bytes((0x81, n))
    elif n < 1 << 16:
        head = bytes((0x81, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + n.to_bytes(8, "big")
    return head + payload


@dataclass(frozen=True)
class Ring:
    """Pre-framed flood data: chunks of up to `FLOOD_BATCH` frames, with their counts."""

    version: int
    built: float
    chunks: list[bytes]
    counts: list[int]
    garbage: list[int]

    @classmethod
    def build(cls, version: int, built: float, frames: list[tuple[bytes, bool]]) -> Ring:
        chunks, counts, garbage = [], [], []
        for i in range(0, len(frames), FLOOD_BATCH):
            part = frames[i : i + FLOOD_BATCH]
            chunks.append(b"".join(text_frame(data) for data, _ in part))
            counts.append(len(part))
            garbage.append(sum(bad for _, bad in part))
        return cls(version, built, chunks, counts, garbage)
