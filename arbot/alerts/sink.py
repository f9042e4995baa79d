"""The alerts' sink: episodes, settled trades, feed statuses and balance drift, turned into
alerts when the `[alerts]` table asks for them.

Called synchronously on the hot path like every sink, so each method only decides and
hands the alert on (`emit` queues it); formatting a few strings is all it costs, and only
for the rare event that is alerted.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from arbot.alerts.alert import Alert, AlertKind
from arbot.config.alerts import AlertsSettings
from arbot.domain import EpisodeEvent, EpisodeKind, FeedState, FeedStatus, Side, TradeOutcome, Venue
from arbot.events import Sink
from arbot.export import plain_number
from arbot.tradekinds import LEG_RISK_INCIDENTS, TradeStatus

Emit = Callable[[Alert], None]


class AlertSink(Sink):
    def __init__(self, settings: AlertsSettings, emit: Emit, *,
                 wall_ns: Callable[[], int] = time.time_ns) -> None:
        self.settings = settings
        self._emit = emit
        self._wall = wall_ns
        self._alerted: set[str] = set()  # open episodes already alerted
        self._states: dict[tuple[Venue, int], FeedState] = {}
        self._quarantined: set[Venue] = set()

    def _alert(self, kind: AlertKind, subject: str, title: str, body: str) -> None:
        self._emit(Alert(kind=kind, subject=subject, title=title, body=body,
                         ts_ns=self._wall()))

    def on_episode(self, event: EpisodeEvent) -> None:
        """Once per episode, the first time its gap reaches the threshold (at open or on
        an update)."""
        e = event.episode
        if event.kind is EpisodeKind.CLOSE:
            self._alerted.discard(e.id)
            return
        s = self.settings
        o = e.last
        if (not s.episodes or e.id in self._alerted or o.net_bps < s.episode_min_bps
                or (s.episode_passed_only and not e.verdict.passed)):
            return
        self._alerted.add(e.id)
        base, _, quote = e.symbol.partition("-")
        self._alert(
            AlertKind.EPISODE, f"{e.symbol} {e.buy_venue}>{e.sell_venue}",
            f"{e.symbol} gap {o.net_bps:.1f} bps: buy {e.buy_venue}, sell {e.sell_venue}",
            f"Buy on {e.buy_venue} at {plain_number(o.buy.ask)}, sell on {e.sell_venue} at "
            f"{plain_number(o.sell.bid)}: net {o.net_bps:.2f} bps after fees, size "
            f"{o.walk_size:.6g} {base}, profit {o.walk_profit:.4f} {quote}; {e.verdict}.")

    def on_trade(self, outcome: TradeOutcome) -> None:
        s = self.settings
        if outcome.status is TradeStatus.OPEN:  # held for a venue's answer: told apart
            # from how it settles later (its own subject, so dedup keeps both)
            if s.leg_risk:
                self._alert(AlertKind.LEG_RISK, f"{outcome.trade_id} open",
                            f"leg risk in {outcome.symbol}: held open, an order's outcome "
                            "is unknown", _trade_text(outcome))
            return
        if outcome.leg_outcome in LEG_RISK_INCIDENTS and s.leg_risk:
            self._alert(AlertKind.LEG_RISK, outcome.trade_id,
                        f"leg risk in {outcome.symbol}: {outcome.leg_outcome}",
                        _trade_text(outcome))
        if outcome.status is TradeStatus.FILLED and s.trade_filled:
            self._alert(AlertKind.TRADE_FILLED, outcome.trade_id,
                        f"trade filled {outcome.symbol}: pnl {outcome.settlement.pnl:+.4f}",
                        _trade_text(outcome))
        elif outcome.status is TradeStatus.FAILED and s.trade_failed:
            self._alert(AlertKind.TRADE_FAILED, outcome.trade_id,
                        f"trade failed {outcome.symbol}", _trade_text(outcome))

    def on_feed_status(self, status: FeedStatus) -> None:
        """A venue is quarantined when one of its connections is; it has recovered once
        none is and one is live again."""
        key = (status.venue, status.connection)
        if self._states.get(key) is status.state:
            return
        self._states[key] = status.state
        venue = status.venue
        if status.state is FeedState.QUARANTINED and venue not in self._quarantined:
            self._quarantined.add(venue)
            if self.settings.venues:
                self._alert(AlertKind.VENUE_QUARANTINED, str(venue),
                            f"{venue} quarantined",
                            f"{venue} failed to connect too many times in a row and is left "
                            f"alone for a while: {status.last_error or 'no detail'}.")
        elif (status.state is FeedState.LIVE and venue in self._quarantined
              and all(st is not FeedState.QUARANTINED
                      for (v, _), st in self._states.items() if v is venue)):
            self._quarantined.discard(venue)
            if self.settings.venues:
                self._alert(AlertKind.VENUE_RECOVERED, str(venue), f"{venue} recovered",
                            f"{venue} is live again after its quarantine.")

    def on_balance_drift(self, venue: Venue, asset: str, expected: float,
                         actual: float) -> None:
        """A venue's balance of `asset` is not what the ledger expects (raised by the
        balance checks, not by a feed)."""
        if not self.settings.balance_drift:
            return
        diff = actual - expected
        share = f" ({diff / expected:+.2%})" if expected else ""
        self._alert(AlertKind.BALANCE_DRIFT, f"{venue} {asset}",
                    f"balance drift on {venue}: {asset}",
                    f"{venue} reports {actual:.10g} {asset}; the ledger expects "
                    f"{expected:.10g} (off by {diff:+.8g}{share}).")


def _trade_text(o: TradeOutcome) -> str:
    """The trade's legs as filled, its settlement and the policy's note."""
    legs = []
    for leg in o.orders:
        req, rep = leg.request, leg.report
        verb = "bought" if req.side is Side.BUY else "sold"
        legs.append(f"{leg.purpose}: {verb} {rep.filled_qty:.8g} of {req.qty} on {req.venue}"
                    + (f" at {plain_number(rep.avg_price)}" if rep.filled_qty else "")
                    + (f" ({rep.error})" if rep.error else ""))
    s = o.settlement
    text = (f"Trade {o.trade_id}, {o.status}, legs {o.leg_outcome}. " + "; ".join(legs)
            + f". Fees {s.fees:.6g}, pnl {s.pnl:+.6g}")
    if s.imbalance:
        text += f", imbalance {s.imbalance:+.8g} held"
    return text + (f". {o.detail}" if o.detail else ".")
