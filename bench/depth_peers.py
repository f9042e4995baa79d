"""cryptofeed's own L2 book handling, driven offline on recorded depth frames: the anchor
`bench/depth.py` measures ArBot's book path against, in the same run.

As bench/peers.py drives cryptofeed's L1 handlers: a `Feed` of the venue built with the
frames' symbols pre-registered (`Symbols.set`, no REST call), subscribed to `L2_BOOK` with
one async callback, and each frame handed to `Feed.message_handler(text, conn, ts)` and
run to completion with `coro.send(None)` (no event loop; a frame that suspends is an
error). What one call does: `json.loads(parse_float=Decimal)`, dispatch, the venue's
`_book` (Decimal price and size into its C `order_book.OrderBook`, the delta dict), the
checksum where the venue sends one (`checksum_validation=True`: OKX, Bitget; a mismatch
raises `BadChecksum`), the crossed-book check (`cross_check=True`) and our callback.

Binance's `_book` fetches the REST snapshot itself on a symbol's first diff; here its
`http_conn.read` returns the recorded body at once, and `prime` does that fetch (and
feeds the snapshot frames) before any timing, so a pass times deltas only.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any

from arbot.domain import Venue
from bench.depth_frames import Stream
from bench.peers import WS_URLS

WS_URLS_V1 = {Venue.BITGET: "wss://ws.bitget.com/spot/v1/stream"}  # cryptofeed 2.4 is v1


def version() -> str | None:
    try:
        return importlib.metadata.version("cryptofeed")
    except importlib.metadata.PackageNotFoundError:
        return None


class _RecordedRest:
    """Stands in for cryptofeed's HTTP connection: the recorded body for a depth URL."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.bodies = bodies

    async def read(self, url: str, **_: Any) -> str:
        symbol = url.split("symbol=")[1].split("&")[0]
        return self.bodies[symbol].decode()


class CryptofeedBooks:
    """One venue's cryptofeed feed with L2 books for the stream's symbols."""

    def __init__(self, s: Stream) -> None:
        from cryptofeed.defines import L2_BOOK
        from cryptofeed.exchanges import OKX, Binance, Bitget, Bybit
        from cryptofeed.symbols import Symbols

        cls, to_id = {
            Venue.BINANCE: (Binance, lambda c, vid: vid),
            Venue.BYBIT: (Bybit, lambda c, vid: c.replace("-", "/")),  # spot: BASE/QUOTE
            Venue.OKX: (OKX, lambda c, vid: vid),
            Venue.BITGET: (Bitget, lambda c, vid: vid),
        }[s.venue]
        Symbols.set(cls.id, {c: to_id(c, vid) for c, vid in s.pairs}, {})
        self.updates_seen = 0

        async def on_book(book: Any, receipt_ts: float) -> None:
            self.updates_seen += 1

        self.stream = s
        self.frames = s.cf_updates
        self.feed = cls(symbols=s.symbols, channels=[L2_BOOK], callbacks={L2_BOOK: on_book},
                        checksum_validation=True, cross_check=True)
        url = WS_URLS_V1.get(s.venue, WS_URLS[s.venue])
        self.conn = SimpleNamespace(address=url, uuid=f"{s.venue}-depth-bench")
        self.handler = self.feed.message_handler
        if s.venue is Venue.BINANCE:
            self.feed.http_conn = _RecordedRest(s.rest)

    two_args = False

    def prime(self) -> Callable[[str], None]:
        """Books whole again, as before the first timed delta (untimed); the callable
        to time on each of `frames`."""
        feed = self.feed
        feed._l2_book.clear()
        if self.stream.venue is Venue.BINANCE:
            feed._reset()
            for _, vid in self.stream.pairs:
                _run(feed._snapshot(vid))
        for frame in self.stream.cf_prime:
            self.handle(frame)
        return self.handle

    def handle(self, frame: str) -> None:
        _run(self.handler(frame, self.conn, 0.0))

    def top(self, symbol: str) -> tuple[float, float] | None:
        """Best bid and ask of the symbol's book, None while it has none."""
        book = self.feed._l2_book.get(symbol)
        if book is None or not len(book.book.bids) or not len(book.book.asks):
            return None
        return float(book.book.bids.index(0)[0]), float(book.book.asks.index(0)[0])


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine that never awaits pending I/O without an event loop."""
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("handler suspended on I/O; not timeable without an event loop")
