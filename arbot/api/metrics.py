"""`GET /metrics`: ArBot's live state in the Prometheus text format, read at scrape time.

A custom prometheus-client Collector: nothing is counted twice or kept in step by hand;
each scrape reads the numbers the feeds, the engine, the trader, the writer, the loop-lag
sampler and the alerts already hold, the ones the screen and the API show. Names start
`arbot_`; series about one venue connection carry `venue` and `connection` labels.
Counters that live per connection (reconnects, drops, resyncs) restart at 0 when the
connection is rebuilt (a changed setting), which Prometheus' `rate()` takes as a reset.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator

from prometheus_client import GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from arbot import __version__
from arbot.api.hub import EventHub
from arbot.domain import FeedState, FeedStatus
from arbot.engine.funnel import COUNTS
from arbot.looplag import BUCKETS
from arbot.tradekinds import LEG_RISK_INCIDENTS
from arbot.trading.risk import TradingState
from arbot.view import RuntimeView

CONN = ["venue", "connection"]


def is_loopback(peer: str | None) -> bool:
    """Whether a peer address is this machine (an IPv4-mapped ::ffff:127.0.0.1 too)."""
    try:
        addr = ipaddress.ip_address((peer or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    return addr.is_loopback or bool(mapped is not None and mapped.is_loopback)


class ArbotCollector(Collector):
    def __init__(self, runtime: RuntimeView, hub: EventHub) -> None:
        self._rt = runtime
        self._hub = hub

    def collect(self) -> Iterator[Metric]:
        rt = self._rt
        info = GaugeMetricFamily("arbot_info", "ArBot's version, trading mode and whether it "
                                 "runs on the simulator", labels=["version", "mode", "demo"])
        info.add_metric([__version__, str(rt.settings.trading.mode), str(rt.demo).lower()], 1)
        yield info
        yield GaugeMetricFamily("arbot_start_time_seconds", "Start of this run, Unix time",
                                value=rt.started_ns / 1e9)
        yield from self._feeds(rt.board.active())
        yield from self._engine()
        yield from self._trading()
        yield from self._storage()
        yield from self._loop()
        yield from self._alerts()

    def _feeds(self, statuses: list[FeedStatus]) -> Iterator[Metric]:
        state = GaugeMetricFamily("arbot_feed_state", "1 for the connection's current "
                                  "state, 0 for the others", labels=[*CONN, "state"])
        quotes = GaugeMetricFamily("arbot_feed_quotes_per_second", "Quotes parsed per second "
                                   "over the last status interval", labels=CONN)
        frames = GaugeMetricFamily("arbot_feed_frames_per_second", "Frames received per "
                                   "second over the last status interval", labels=CONN)
        age = GaugeMetricFamily("arbot_feed_last_frame_age_seconds", "Time since the "
                                "connection's last frame, as of its last status", labels=CONN)
        reconnects = CounterMetricFamily("arbot_feed_reconnects", "Reconnects of the "
                                         "connection", labels=CONN)
        rotations = CounterMetricFamily("arbot_feed_rotations", "Planned make-before-break "
                                        "rotations completed", labels=CONN)
        drops = CounterMetricFamily("arbot_feed_dropped", "Frames or quotes refused at parse "
                                    "time, by reason", labels=[*CONN, "reason"])
        lag = GaugeMetricFamily("arbot_venue_lag_seconds", "The venue's lag (its time to our "
                                "receipt, clock offset corrected), rolling quantiles",
                                labels=[*CONN, "quantile"])
        offset = GaugeMetricFamily("arbot_venue_clock_offset_seconds", "The venue's clock "
                                   "minus ours, from its REST time", labels=CONN)
        resyncs = CounterMetricFamily("arbot_book_resyncs", "Depth-book resyncs (integrity: "
                                      "sequence gap, checksum), by reason",
                                      labels=[*CONN, "reason"])
        resyncing = GaugeMetricFamily("arbot_books_resyncing", "Depth books out being "
                                      "resynced now", labels=CONN)
        for s in statuses:
            key = [s.venue.value, str(s.connection)]
            for st in FeedState:
                state.add_metric([*key, st.value], float(st is s.state))
            quotes.add_metric(key, s.quotes_per_s)
            frames.add_metric(key, s.frames_per_s)
            if s.last_frame_age_s is not None:
                age.add_metric(key, s.last_frame_age_s)
            reconnects.add_metric(key, s.reconnects)
            rotations.add_metric(key, s.rotations)
            for reason, n in sorted(s.drops.items()):
                drops.add_metric([*key, reason], n)
            for q, ms in (("0.5", s.lag_p50_ms), ("0.99", s.lag_p99_ms)):
                if ms is not None:
                    lag.add_metric([*key, q], ms / 1e3)
            if s.clock_offset_ms is not None:
                offset.add_metric(key, s.clock_offset_ms / 1e3)
            for reason, n in sorted(s.resyncs.items()):
                resyncs.add_metric([*key, reason], n)
            resyncing.add_metric(key, s.books_resyncing)
        yield from (state, quotes, frames, age, reconnects, rotations, drops, lag, offset,
                    resyncs, resyncing)

    def _engine(self) -> Iterator[Metric]:
        engine = self._rt.engine
        if engine is None:
            return
        f = engine.funnel
        yield CounterMetricFamily("arbot_engine_quotes", "Quotes the engine received",
                                  value=f.quotes)
        steps = CounterMetricFamily("arbot_funnel", "Candidates by the step where they "
                                    "stopped (passed: through every filter)", labels=["step"])
        for step in COUNTS:
            if step != "quotes":
                steps.add_metric([step], getattr(f, step))
        yield steps
        filtered = CounterMetricFamily("arbot_funnel_filtered", "Candidates a filter "
                                       "rejected, by filter", labels=["filter"])
        for name, n in sorted(f.filtered.items()):
            filtered.add_metric([name], n)
        yield filtered
        episodes = engine.episodes
        yield CounterMetricFamily("arbot_episodes_opened", "Opportunity episodes opened",
                                  value=episodes.opened)
        yield CounterMetricFamily("arbot_episodes_closed", "Opportunity episodes closed",
                                  value=episodes.closed)
        yield GaugeMetricFamily("arbot_episodes_open", "Opportunity episodes open now",
                                value=len(episodes.open))
        if engine.heartbeat_ns:
            yield GaugeMetricFamily("arbot_engine_heartbeat_age_seconds", "Time since the "
                                    "engine's last tick (quote or sweep)",
                                    value=max(0.0, (time.monotonic_ns() - engine.heartbeat_ns)
                                              / 1e9))

    def _trading(self) -> Iterator[Metric]:
        trader = self._rt.trader
        if trader is None:
            return
        mode = str(trader.settings.mode)
        trades = CounterMetricFamily("arbot_trades", "Settled trades by status",
                                     labels=["mode", "status"])
        incidents = CounterMetricFamily("arbot_leg_risk_incidents", "Trades whose legs "
                                        "filled unevenly, by how they ended",
                                        labels=["mode", "outcome"])
        by_status: dict[str, int] = {}
        by_outcome: dict[str, int] = {}
        for (status, outcome), n in sorted(self._hub.trades.items()):
            by_status[status.value] = by_status.get(status.value, 0) + n
            if outcome in LEG_RISK_INCIDENTS:
                by_outcome[outcome.value] = by_outcome.get(outcome.value, 0) + n
        for status_text, n in by_status.items():
            trades.add_metric([mode, status_text], n)
        for outcome_text, n in by_outcome.items():
            incidents.add_metric([mode, outcome_text], n)
        yield trades
        yield incidents
        pnl = GaugeMetricFamily("arbot_realized_pnl", "Realized PnL of this run's trades, net "
                                "of fees, in the quote currency", labels=["mode"])
        pnl.add_metric([mode], trader.realized)
        yield pnl
        state = GaugeMetricFamily("arbot_trading_state", "1 for the trading state now",
                                  labels=["state"])
        for st in TradingState:
            state.add_metric([st.value], float(st is trader.state))
        yield state
        yield GaugeMetricFamily("arbot_trading_armed", "1 while live trading is armed",
                                value=float(trader.armed))
        yield GaugeMetricFamily("arbot_trading_open_exposure", "Notional of trades in "
                                "flight, in the quote currency", value=trader.risk.open_exposure)
        refused = CounterMetricFamily("arbot_trading_rejections", "Passed episodes not traded, "
                                      "by the step that refused them", labels=["step"])
        for step, n in sorted(trader.rejections.items()):
            refused.add_metric([step], n)
        yield refused

    def _storage(self) -> Iterator[Metric]:
        writer = self._rt.writer
        if writer is None:
            return
        s = writer.stats
        yield GaugeMetricFamily("arbot_writer_queue_rows", "Rows accepted and not yet "
                                "committed", value=writer.pending)
        for name, what, counts in (
                ("arbot_writer_rows_written", "Rows committed, by table", s.rows_written),
                ("arbot_writer_rows_rejected", "Rows the database refused, by table",
                 s.rows_rejected),
                ("arbot_writer_rows_thinned", "Rows not kept because the queue was full, by "
                 "table", s.thinned)):
            family = CounterMetricFamily(name, what, labels=["table"])
            for table, n in sorted(dict(counts).items()):
                family.add_metric([table], n)
            yield family
        yield CounterMetricFamily("arbot_writer_flushes", "Committed transactions",
                                  value=s.flushes)
        yield CounterMetricFamily("arbot_writer_failed_flushes", "Transactions that failed "
                                  "(retried unless the database cannot be written)",
                                  value=s.failed_flushes)
        yield CounterMetricFamily("arbot_writer_unwritten_rows", "Rows that will never be "
                                  "written: the database stopped taking writes",
                                  value=s.unwritten)
        yield GaugeMetricFamily("arbot_writer_stopped", "1 once the database cannot be "
                                "written (full disk, I/O error)", value=float(bool(s.stopped)))

    def _loop(self) -> Iterator[Metric]:
        lag = self._rt.loop_lag
        buckets: list[tuple[str, float]] = []
        cumulative = 0
        for bound, n in zip([*map(str, BUCKETS), "+Inf"], lag.counts, strict=True):
            cumulative += n
            buckets.append((bound, cumulative))
        yield HistogramMetricFamily("arbot_event_loop_lag_seconds", "How late the event loop "
                                    "wakes a timer: every task (feeds, engine, trader, API) "
                                    "waits as long", buckets=buckets, sum_value=lag.total_s)

    def _alerts(self) -> Iterator[Metric]:
        alerts = self._rt.alerts
        if alerts is None:
            return
        c = alerts.counts()
        sent = CounterMetricFamily("arbot_alerts_sent", "Alerts sent, by kind", labels=["kind"])
        for kind, n in sorted(c.sent.items()):
            sent.add_metric([kind.value], n)
        held = CounterMetricFamily("arbot_alerts_held_back", "Alerts not sent, by kind and "
                                   "why (duplicate, rate_limit)", labels=["kind", "why"])
        for why, counts in (("duplicate", c.duplicates), ("rate_limit", c.rate_limited)):
            for kind, n in sorted(counts.items()):
                held.add_metric([kind.value, why], n)
        dest = ["destination", "service"]
        delivered = CounterMetricFamily("arbot_alert_deliveries", "Alerts a destination "
                                        "took", labels=dest)
        failed = CounterMetricFamily("arbot_alert_delivery_failures", "Failed attempts to "
                                     "deliver (each retry counts)", labels=dest)
        dropped = CounterMetricFamily("arbot_alert_dropped", "Alerts pushed out of a failing "
                                      "destination's full queue", labels=dest)
        failing = GaugeMetricFamily("arbot_alert_destination_failing", "1 while the "
                                    "destination fails", labels=dest)
        for d in c.destinations:
            key = [str(d.position), d.service]
            delivered.add_metric(key, d.delivered)
            failed.add_metric(key, d.failed_attempts)
            dropped.add_metric(key, d.dropped)
            failing.add_metric(key, float(d.failing))
        yield from (sent, held, delivered, failed, dropped, failing)


def registry(runtime: RuntimeView, hub: EventHub) -> CollectorRegistry:
    """ArBot's collector with prometheus-client's process, platform and GC ones
    (`process_*`, `python_*`), in a registry of its own rather than the library's global
    one, which would outlive a runtime and be shared by every runtime in a process."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(ArbotCollector(runtime, hub))
    ProcessCollector(registry=reg)
    PlatformCollector(registry=reg)
    GCCollector(registry=reg)
    return reg
