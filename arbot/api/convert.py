"""Domain objects and database rows to the API's shapes (schemas.py)."""

from __future__ import annotations

from collections.abc import Sequence

from arbot.api.schemas import EpisodeOut, QuoteOut, TradeOut
from arbot.domain import Episode, Quote
from arbot.timefmt import format_time_ns
from arbot.trading.outcome import TradeOutcome


def iso(ns: int) -> str:
    return format_time_ns(ns)


def _num(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) else None


def _float(v: object) -> float:
    return float(v) if isinstance(v, int | float) else 0.0


def _time(v: object) -> str | None:
    return iso(v) if isinstance(v, int) else None


def _text(v: object) -> str | None:
    return None if v is None else str(v)


def quote_out(q: Quote) -> QuoteOut:
    exchange = None if q.ts_exchange_ms is None else iso(q.ts_exchange_ms * 1_000_000)
    return QuoteOut(q.venue.value, q.symbol, q.bid, q.bid_size, q.ask, q.ask_size,
                    iso(q.ts_recv_ns), exchange)


def episode_out(e: Episode) -> EpisodeOut:
    verdict = "passed" if e.passed else str(e.verdict)
    return EpisodeOut(e.id, e.symbol, e.buy_venue.value, e.sell_venue.value, iso(e.opened_ns),
                      None if e.closed_ns is None else iso(e.closed_ns), e.closed_ns is None,
                      e.first.net_bps, e.peak.net_bps, e.peak.size, e.peak.profit,
                      e.first.buy.ask, e.first.sell.bid, verdict, e.close_reason)


def episode_row_out(row: Sequence[object]) -> EpisodeOut:
    """A row in `arbot.storage.queries.EPISODE_COLUMNS` order."""
    (eid, symbol, buy, sell, opened, closed, net_open, net_peak, size, profit, ask, bid,
     *_, verdict, reason) = row
    return EpisodeOut(str(eid), str(symbol), str(buy), str(sell), _time(opened) or "",
                      _time(closed), closed is None, _float(net_open), _float(net_peak),
                      _float(size), _float(profit), _float(ask), _float(bid), _text(verdict),
                      _text(reason))


def trade_out(o: TradeOutcome, mode: str, closed_ns: int) -> TradeOut:
    """A trade as it settles (its open time is not kept on the outcome: the close is
    given for both; the history endpoint has the recorded open time)."""
    s = o.settlement
    buy, sell = o.orders[0].request, o.orders[1].request
    return TradeOut(o.trade_id, iso(closed_ns), iso(closed_ns), mode, o.symbol,
                    buy.venue.value, sell.venue.value, float(buy.qty), s.buy_qty, s.sell_qty,
                    s.buy_avg or None, s.sell_avg or None, s.fees, None, s.pnl, o.status,
                    o.leg_outcome, o.detail or None)


def trade_row_out(row: Sequence[object]) -> TradeOut:
    """A row in `arbot.storage.trade_queries.TRADE_COLUMNS` order."""
    (trade_id, opened, closed, mode, symbol, buy, sell, qty, buy_qty, sell_qty, buy_avg,
     sell_avg, _buy_px, _sell_px, fees, expected, pnl, status, outcome, detail) = row
    return TradeOut(str(trade_id), _time(opened) or "", _time(closed), str(mode), str(symbol),
                    str(buy), str(sell), _float(qty), _num(buy_qty), _num(sell_qty),
                    _num(buy_avg), _num(sell_avg), _num(fees), _num(expected), _num(pnl),
                    str(status), _text(outcome), _text(detail))
