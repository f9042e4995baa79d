"""The fan-out: every kind of event reaches exactly the sinks that take it, in order, and a
sink that swaps its quote method is heard again after `rebind()`."""

from __future__ import annotations

from arbot.domain import FeedState, FeedStatus, Quote, Venue
from arbot.events import FanOut, Sink
from arbot.storage.recorder import Recorder


def _quote(n: int) -> Quote:
    return Quote(venue=Venue.BINANCE, symbol="BTC-USDT", bid=100.0 + n, bid_size=1.0,
                 ask=101.0 + n, ask_size=1.0, ts_exchange_ms=None, ts_recv_ns=n)


class QuotesOnly(Sink):
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    def on_quote(self, quote: Quote) -> None:
        self.log.append(f"{self.name} quote {quote.ts_recv_ns}")


class StatusesOnly(Sink):
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def on_feed_status(self, status: FeedStatus) -> None:
        self.log.append(f"status {status.state}")


def test_each_kind_reaches_only_the_sinks_that_take_it_in_order() -> None:
    log: list[str] = []
    fan = FanOut([QuotesOnly(log, "a"), StatusesOnly(log), Sink(), QuotesOnly(log, "b")])
    fan.on_quote(_quote(1))
    fan.on_feed_status(FeedStatus(venue=Venue.OKX, connection=0, state=FeedState.LIVE,
                                  frames_per_s=0.0, quotes_per_s=0.0, last_frame_age_s=None,
                                  reconnects=0, drops={}, last_error=None, ts_ns=5))
    assert log == ["a quote 1", "b quote 1", "status live"]
    # kinds nobody overrides are not called at all (nothing to pay per event)
    assert fan._on_quote and fan._on_status and not fan._on_episode and not fan._on_trade


class FakeWriter:
    def __init__(self) -> None:
        self.quotes: list[Quote] = []

    def offer_quote(self, quote: Quote) -> None:
        self.quotes.append(quote)


def test_a_swapped_quote_method_is_heard_after_rebind() -> None:
    writer = FakeWriter()
    recorder = Recorder(writer, "off", 0)  # type: ignore[arg-type]
    fan = FanOut([recorder])
    fan.on_quote(_quote(1))
    recorder.set_mode("all", 0)
    fan.on_quote(_quote(2))  # still the old bound method: the fan-out was not told
    fan.rebind()
    fan.on_quote(_quote(3))
    assert [q.ts_recv_ns for q in writer.quotes] == [3]
    assert recorder.skipped == 2
