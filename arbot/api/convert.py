"""Domain objects and database rows to the API's shapes (schemas.py)."""

from __future__ import annotations

from collections.abc import Mapping

from arbot.api.schemas import (
    DriftOut,
    EpisodeOut,
    FeedOut,
    PrivateStreamOut,
    QuoteOut,
    TradeOut,
)
from arbot.domain import Episode, FeedStatus, Quote, TradeOutcome, Venue
from arbot.privateevents import StreamStatus
from arbot.storage.models import EpisodeRecord, TradeRecord
from arbot.timefmt import format_time_ns
from arbot.tradekinds import TradeStatus, TradingMode
from arbot.verdicts import split_verdict
from arbot.view import DriftView


def iso(ns: int) -> str:
    return format_time_ns(ns)


def quote_out(q: Quote) -> QuoteOut:
    exchange = None if q.ts_exchange_ms is None else iso(q.ts_exchange_ms * 1_000_000)
    return QuoteOut(q.venue.value, q.symbol, q.bid, q.bid_size, q.ask, q.ask_size,
                    iso(q.ts_recv_ns), exchange)


def drifts_out(guard: DriftView) -> list[DriftOut]:
    """Every open drift, venue by venue."""
    return [DriftOut(d.venue.value, d.asset, d.expected, d.actual, d.relative, d.source.value,
                     iso(d.ts_ns))
            for drifts in guard.open().values() for d in drifts]


def streams_out(streams: Mapping[Venue, StreamStatus]) -> list[PrivateStreamOut]:
    """Each venue's private stream, venue by venue."""
    return [PrivateStreamOut(v.value, s.state.value, s.reconnects, s.refused, s.account_mode)
            for v, s in sorted(streams.items())]


def feed_out(s: FeedStatus) -> FeedOut:
    return FeedOut(s.venue.value, s.connection, s.state.value, s.stale_reason, s.quotes_per_s,
                   s.last_frame_age_s, s.reconnects, s.lag_p50_ms, s.lag_p99_ms,
                   s.lag_samples, s.lag_note, s.clock_offset_ms, s.resyncs, s.books_resyncing)


def episode_out(e: Episode) -> EpisodeOut:
    verdict = "passed" if e.passed else str(e.verdict)
    p = e.peak
    return EpisodeOut(e.id, e.symbol, e.buy_venue.value, e.sell_venue.value, iso(e.opened_ns),
                      None if e.closed_ns is None else iso(e.closed_ns), e.closed_ns is None,
                      e.first.net_bps, p.net_bps, p.size, p.profit,
                      e.first.buy.ask, e.first.sell.bid, verdict, e.close_reason,
                      p.walk_size, p.walk_profit, p.walk_net_bps, p.buy_vwap, p.sell_vwap,
                      p.buy_worst, p.sell_worst, p.buy_levels, p.sell_levels,
                      p.transfer_bps, p.net_after_transfer_bps, *split_verdict(verdict))


def episode_row_out(r: EpisodeRecord) -> EpisodeOut:
    """A recorded episode: figures at open, peak figures once closed."""
    closed = None if r.closed_ns is None else iso(r.closed_ns)
    return EpisodeOut(id=r.episode_id, symbol=r.symbol, buy_venue=r.buy_venue,
                      sell_venue=r.sell_venue, opened=iso(r.opened_ns), closed=closed,
                      open=r.closed_ns is None, net_bps_open=r.net_bps_open,
                      net_bps_peak=r.net_bps_peak, size_peak=r.size_peak,
                      profit_peak=r.profit_peak, buy_ask=r.buy_ask, sell_bid=r.sell_bid,
                      verdict=r.verdict, close_reason=r.close_reason,
                      walk_size_peak=r.walk_size_peak, walk_profit_peak=r.walk_profit_peak,
                      walk_net_bps_peak=r.walk_net_bps_peak, buy_vwap_peak=r.buy_vwap_peak,
                      sell_vwap_peak=r.sell_vwap_peak, buy_worst_peak=r.buy_worst_peak,
                      sell_worst_peak=r.sell_worst_peak, buy_levels_peak=r.buy_levels_peak,
                      sell_levels_peak=r.sell_levels_peak, transfer_bps=r.transfer_bps,
                      net_bps_after_transfers=r.net_bps_after_transfers,
                      verdict_code=split_verdict(r.verdict)[0] if r.verdict else None,
                      verdict_detail=split_verdict(r.verdict)[1] if r.verdict else None)


def trade_out(o: TradeOutcome, mode: TradingMode, closed_ns: int) -> TradeOut:
    """A trade as it settles, or as it is held open for a venue's answer (not closed
    then); its open time is not kept on the outcome: `closed_ns` is given for both (the
    history endpoint has the recorded open time)."""
    s = o.settlement
    buy, sell = o.orders[0].request, o.orders[1].request
    closed = None if o.status is TradeStatus.OPEN else iso(closed_ns)
    return TradeOut(o.trade_id, iso(closed_ns), closed, mode.value, o.symbol,
                    buy.venue.value, sell.venue.value, float(buy.qty), s.buy_qty, s.sell_qty,
                    s.buy_avg or None, s.sell_avg or None, s.fees, None, s.pnl, o.status,
                    o.leg_outcome, o.detail or None)


def trade_row_out(r: TradeRecord) -> TradeOut:
    """A recorded trade; the outcome fields are None while it is open."""
    closed = None if r.ts_close_ns is None else iso(r.ts_close_ns)
    return TradeOut(trade_id=r.trade_id, opened=iso(r.ts_open_ns), closed=closed,
                    mode=r.mode.value, symbol=r.symbol, buy_venue=r.buy_venue,
                    sell_venue=r.sell_venue, planned_qty=r.qty, bought_qty=r.buy_qty,
                    sold_qty=r.sell_qty, buy_avg_price=r.buy_avg, sell_avg_price=r.sell_avg,
                    fees=r.fees, expected_pnl=r.expected_profit, pnl=r.realized_profit,
                    status=r.status, leg_outcome=r.leg_outcome, detail=r.detail)
