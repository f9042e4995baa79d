"""Other libraries' websocket handlers, built offline, for `bench/parse.py --peers`.

Each peer gets the same recorded frames as ArBot's parsers, as `str` (what its websocket
library hands it), and is timed from raw text to its own normalised L1 state:

* cryptofeed: `Feed.message_handler(msg, conn, ts)` of a feed constructed with the frames'
  symbols pre-registered (`Symbols.set`, so no REST call) and one async callback for the
  channel. The handler never awaits real I/O on these frames, so each coroutine is run to
  completion with `coro.send(None)`; no event loop is involved. A frame that suspends is
  reported rather than timed with loop overhead.
* ccxt.pro: `Client.handle_text_or_binary_message(frame)` of an unconnected ws Client for the
  venue's public URL: `orjson.loads`, then the exchange's `handle_message(client, msg)`, which
  dispatches to the channel handler and updates `bidsasks` / `tickers` / `orderbooks`. Markets
  are set offline with `set_markets`, so symbols resolve as after `load_markets`. No watch is
  pending, so `client.resolve` finds no future to wake.

`verify` feeds every frame once and checks the peer's cache holds the bid/ask ArBot parsed,
so a handler that ignored a frame cannot produce a fast number.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from arbot.domain import Venue

Handle = Callable[[str], None]
BidAsk = tuple[float, float]

WS_URLS = {  # cryptofeed picks its market by the URL (Bybit), ccxt the market type
    Venue.BINANCE: "wss://stream.binance.com:9443/stream",
    Venue.BYBIT: "wss://stream.bybit.com/v5/public/spot",
    Venue.OKX: "wss://ws.okx.com:8443/ws/v5/public",
    Venue.BITGET: "wss://ws.bitget.com/v2/ws/public",
}


@dataclass(frozen=True)
class PeerPath:
    """One peer's handler for one venue, plus what `verify` needs to check it did the work."""

    handle: Handle
    best: Callable[[str], BidAsk | None]  # peer's bid/ask for a canonical symbol, if held
    clear: Callable[[], None]  # drop cached state, so a skipped frame cannot look processed


@dataclass(frozen=True)
class Peer:
    name: str
    version: str
    does: str  # what one timed call does, for the report
    build: Callable[[Venue, list[str]], PeerPath | str]  # (venue, symbols) -> path or why n/a


def available() -> tuple[list[Peer], list[str]]:
    """Installed peers, and one note per peer that is not installed."""
    peers, notes = [], []
    for dist, make in (("cryptofeed", _cryptofeed), ("ccxt", _ccxt)):
        try:
            version = importlib.metadata.version(dist)
            peers.append(make(version))
        except (importlib.metadata.PackageNotFoundError, ImportError) as e:
            notes.append(f"{dist} not installed ({e.__class__.__name__}); skipped. "
                         "pip install -e '.[bench]'")
    return peers, notes


def verify(path: PeerPath, frames: list[str], expected: list[tuple[str, float, float]]) -> str:
    """'' if every frame left the peer holding ArBot's bid/ask for its symbol, else why not."""
    bad = 0
    for frame, (symbol, bid, ask) in zip(frames, expected, strict=True):
        path.clear()
        path.handle(frame)
        got = path.best(symbol)
        bad += got is None or abs(got[0] - bid) > 1e-12 or abs(got[1] - ask) > 1e-12
    return f"handler left no/different L1 for {bad}/{len(frames)} frames" if bad else ""


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine that never awaits pending I/O without an event loop."""
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("handler suspended on I/O; not timeable without an event loop")


def _cryptofeed(version: str) -> Peer:
    from cryptofeed.defines import L2_BOOK, TICKER
    from cryptofeed.exchanges import OKX, Binance, Bitget, Bybit
    from cryptofeed.symbols import Symbols

    # venue -> feed class, channel, exchange id for a BASE-QUOTE symbol
    feeds = {
        Venue.BINANCE: (Binance, TICKER, lambda s: s.replace("-", "")),
        Venue.BYBIT: (Bybit, L2_BOOK, lambda s: s.replace("-", "/")),
        Venue.OKX: (OKX, TICKER, lambda s: s),
    }

    def build(venue: Venue, symbols: list[str]) -> PeerPath | str:
        if venue is Venue.BITGET and "/v2/" not in Bitget.websocket_endpoints[0].address:
            return f"{version} Bitget is v1 only: drops v2 books5/ticker frames, no callback"
        if venue not in feeds:
            return f"no cryptofeed mapping for {venue}"
        cls, channel, to_id = feeds[venue]
        Symbols.set(cls.id, {s: to_id(s) for s in symbols}, {})
        seen: dict[str, Any] = {}

        async def on_data(obj: Any, receipt_ts: float) -> None:
            seen[obj.symbol] = obj

        feed = cls(symbols=symbols, channels=[channel], callbacks={channel: on_data})
        conn = SimpleNamespace(address=WS_URLS[venue], uuid=f"{venue}-bench")
        handler = feed.message_handler

        def handle(frame: str) -> None:
            _run(handler(frame, conn, 0.0))

        def best(symbol: str) -> BidAsk | None:
            obj = seen.get(symbol)
            if obj is None:
                return None
            if channel == TICKER:
                return float(obj.bid), float(obj.ask)
            return float(obj.book.bids.index(0)[0]), float(obj.book.asks.index(0)[0])

        return PeerPath(handle, best, seen.clear)

    return Peer("cryptofeed", version,
                "Feed.message_handler: yapic json.loads(parse_float=Decimal), dispatch, "
                "Decimal Ticker (Binance/OKX) or a fresh OrderBook from the snapshot (Bybit), "
                "await our callback", build)


def _ccxt(version: str) -> Peer:
    import ccxt.pro
    from ccxt.async_support.base.ws.client import Client

    def build(venue: Venue, symbols: list[str]) -> PeerPath | str:
        ex = getattr(ccxt.pro, str(venue))()
        sep = "-" if venue is Venue.OKX else ""
        ex.set_markets([ex.safe_market_structure(_market(s, sep)) for s in symbols])
        client = Client(WS_URLS[venue], ex.handle_message, ex.on_error, ex.on_close,
                        ex.on_connected, {})

        def best(symbol: str) -> BidAsk | None:
            unified = symbol.replace("-", "/")
            for cache in (ex.bidsasks, ex.tickers):
                if unified in cache:
                    return cache[unified]["bid"], cache[unified]["ask"]
            if unified in ex.orderbooks:
                book = ex.orderbooks[unified]
                return book["bids"][0][0], book["asks"][0][0]
            return None

        def clear() -> None:
            for cache in (ex.bidsasks, ex.tickers, ex.orderbooks):
                cache.clear()

        return PeerPath(client.handle_text_or_binary_message, best, clear)

    return Peer("ccxt", version,
                "ws Client.handle_text_or_binary_message: orjson.loads, "
                "exchange.handle_message dispatch, parse to a unified ticker/bidask dict "
                "(Binance bookTicker, OKX tickers, Bitget ticker) or reset an OrderBook cache "
                "(Bybit orderbook.1 then bidask, Bitget books5), client.resolve", build)


def _market(symbol: str, sep: str) -> dict[str, Any]:
    """The fields of a spot market that load_markets would give; ccxt fills in the rest."""
    base, quote = symbol.split("-")
    return {"id": f"{base}{sep}{quote}", "symbol": f"{base}/{quote}", "base": base,
            "quote": quote, "baseId": base, "quoteId": quote, "type": "spot", "spot": True,
            "margin": False, "swap": False, "future": False, "option": False,
            "contract": False, "active": True}
