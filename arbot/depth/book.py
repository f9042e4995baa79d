"""One venue's L2 book for one symbol, kept as the venue's own price and size strings.

Checksums (OKX, Bitget) are computed over the strings exactly as received ("If price is
'0.5000', DO NOT calculate the checksum by '0.5'": Bitget, Depth Channel; OKX, Order
book channel, "Checksum"), so every level keeps its text beside its float. Each side is
a dict by price plus a sorted key list, best first: an update is a dict store and, for a
new or deleted price, one bisect into a list of a few hundred floats.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left, insort
from collections.abc import Iterable

TextLevel = tuple[str, str]  # price, size, as the venue sent them
Level = tuple[float, float]  # price, size


class BookSide:
    """One side of a book. `keys` is sorted ascending: ask prices, or negated bid prices,
    so `keys[0]` is always the best level."""

    __slots__ = ("keys", "levels", "sign")

    def __init__(self, bids: bool) -> None:
        self.sign = -1.0 if bids else 1.0
        self.levels: dict[float, tuple[float, float, str, str]] = {}  # key -> price, size, texts
        self.keys: list[float] = []

    def clear(self) -> None:
        self.levels.clear()
        self.keys.clear()

    def apply(self, updates: Iterable[TextLevel]) -> None:
        """Set each level's size; a size of zero deletes the level (every venue's rule)."""
        levels = self.levels
        keys = self.keys
        sign = self.sign
        for price_text, size_text in updates:
            price = float(price_text)
            size = float(size_text)
            key = sign * price
            if size == 0.0:
                if levels.pop(key, None) is not None:
                    del keys[bisect_left(keys, key)]
            else:
                if key not in levels:
                    insort(keys, key)
                levels[key] = (price, size, price_text, size_text)

    def __len__(self) -> int:
        return len(self.keys)

    def best(self) -> tuple[float, float] | None:
        """Price and size of the best level, None when the side is empty."""
        if not self.keys:
            return None
        level = self.levels[self.keys[0]]
        return level[0], level[1]

    def top(self, n: int) -> list[Level]:
        """The best `n` levels as (price, size), best first."""
        levels = self.levels
        return [(levels[k][0], levels[k][1]) for k in self.keys[:n]]

    def top_text(self, n: int) -> list[TextLevel]:
        """The best `n` levels as the venue's strings, best first (for checksums)."""
        levels = self.levels
        return [(levels[k][2], levels[k][3]) for k in self.keys[:n]]

    def trim(self, n: int) -> None:
        """Keep the best `n` levels: for channels whose book is that deep by definition
        (Bybit `orderbook.50`), where the venue never deletes a level pushed out."""
        keys = self.keys
        if len(keys) > n:
            for key in keys[n:]:
                del self.levels[key]
            del keys[n:]


class L2Book:
    """Bids and asks of one (venue, symbol), with the sequence the venue last stamped.

    `synced` is False until a snapshot has been applied and after any integrity fault;
    a book that is not synced takes part in nothing (docs/depth.md, "Integrity").
    """

    __slots__ = ("asks", "bids", "seq", "symbol", "synced", "ts_exchange_ms", "ts_recv_ns")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = BookSide(bids=True)
        self.asks = BookSide(bids=False)
        self.seq: int | None = None
        self.synced = False
        self.ts_exchange_ms: int | None = None
        self.ts_recv_ns = 0

    def reset(self) -> None:
        """Forget everything: the next snapshot starts the book again."""
        self.bids.clear()
        self.asks.clear()
        self.seq = None
        self.synced = False

    def replace(self, bids: Iterable[TextLevel], asks: Iterable[TextLevel]) -> None:
        """Take a snapshot: the book becomes exactly these levels."""
        self.bids.clear()
        self.asks.clear()
        self.bids.apply(bids)
        self.asks.apply(asks)

    def apply(self, bids: Iterable[TextLevel], asks: Iterable[TextLevel]) -> None:
        """Take a delta: each level set, a zero size deleting it."""
        self.bids.apply(bids)
        self.asks.apply(asks)

    def crossed(self) -> bool:
        """True when the best bid is at or above the best ask: a book no venue shows."""
        bid = self.bids.keys
        ask = self.asks.keys
        return bool(bid) and bool(ask) and -bid[0] >= ask[0]

    def checksum(self, levels: int = 25) -> int:
        """CRC32 (signed 32 bits) of the top `levels` bids and asks, alternating
        `bid:size:ask:size:...`, a side's missing levels skipped (OKX and Bitget's
        documented algorithm, over the original strings). Runs after every frame of
        those venues, so it formats pairs of levels straight from the sides' dicts."""
        bid_levels = self.bids.levels
        ask_levels = self.asks.levels
        bid_keys = self.bids.keys[:levels]
        ask_keys = self.asks.keys[:levels]
        parts: list[str] = []
        for b, a in zip(bid_keys, ask_keys, strict=False):
            bid = bid_levels[b]
            ask = ask_levels[a]
            parts.append(f"{bid[2]}:{bid[3]}:{ask[2]}:{ask[3]}")
        paired = len(parts)
        for side, keys in ((bid_levels, bid_keys), (ask_levels, ask_keys)):
            for k in keys[paired:]:
                level = side[k]
                parts.append(f"{level[2]}:{level[3]}")
        return signed_crc32(":".join(parts))


def signed_crc32(text: str) -> int:
    """CRC32 of `text` as the venues send it: a signed 32-bit integer."""
    crc = zlib.crc32(text.encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc

