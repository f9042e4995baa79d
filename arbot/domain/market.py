"""Market data as the feeds hand it on: top of book (`Quote`) and depth frames
(`BookDelta`), built per frame on the hot path, so `gc=False`."""

from __future__ import annotations

import msgspec

from arbot.domain.venue import Venue


class Quote(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Top of book on one venue for one canonical symbol (`BASE-QUOTE`).

    `ts_exchange_ms` is None where the venue sends no timestamp (Binance bookTicker).
    `ts_recv_ns` is wall-clock receive time, for storage; staleness uses a monotonic
    clock kept beside the quote by whoever needs it.
    """

    venue: Venue
    symbol: str
    bid: float
    bid_size: float
    ask: float
    ask_size: float
    ts_exchange_ms: int | None
    ts_recv_ns: int


class BookDelta(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One depth frame of one venue for one symbol: a snapshot, or changed levels.

    Levels are (price, size) as the venue's own strings, because checksums are computed
    over them (docs/depth.md); a size of zero deletes the level. The sequence fields are
    the venue's, named for their role: `seq` is this frame's last update id (Binance `u`,
    Bybit `u`, OKX `seqId`, Bitget `seq`), `prev_seq` what the frame chains from (Binance
    `U`, the first update id in it; OKX `prevSeqId`), None where the venue sends none.
    `checksum` is the venue's CRC32 of the top levels after this frame (OKX, Bitget).
    """

    venue: Venue
    symbol: str
    snapshot: bool
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]
    seq: int | None = None
    prev_seq: int | None = None
    checksum: int | None = None
    ts_exchange_ms: int | None = None
    ts_recv_ns: int = 0
