"""When a quote may take part: freshness from the connection, not from the quote's age.

The L1 channels ArBot uses push on change, so a quote that has not changed for seconds
on a healthy connection is still that venue's top of book (docs/design.md, "Market-shaped
truth"). A quote takes part while its venue is live and it is the latest for its symbol;
a per-quote age limit applies only where the venue's channel promises to re-send an
unchanged book (`VenueSpec.quote_resend_s`): a quote not refreshed within that period
plus `[strategy] max_quote_age_ms` is overdue, a sign that the symbol's stream stalled.
`[strategy] quote_freshness = "age"` keeps the old rule: every quote ages out
`max_quote_age_ms` after receipt.

Who says a venue is live (`Liveness`): live, the feed's statuses (a frame or a pong
within `[feeds] stale_after_s`); a replay with recorded feed events, those events; a
replay of imported quotes, which carries none, the quotes themselves (`QuoteActivity`).
"""

from __future__ import annotations

from enum import StrEnum

from arbot.config import ArbotSettings
from arbot.engine.board import VENUES
from arbot.venues import VENUES as SPECS

NS_PER_MS = 1_000_000
NO_LIMIT = 2**62  # an age no quote reaches
NEVER = 2**63  # a time after every real one


class Liveness(StrEnum):
    """Where the engine learns that a venue is live."""

    FEED = "feed"  # the feed's statuses (live, or recorded feed events replayed)
    QUOTES = "quotes"  # quote activity within [feeds] stale_after_s (imported quotes)
    ALWAYS = "always"  # every venue, always (hand-made quote streams in tests, benchmarks)


def age_limits_ns(settings: ArbotSettings, *, resends: bool) -> list[int]:
    """Per venue index, how old (ns since receipt) a quote may be and still take part.

    `resends` says whether the engine sees every pushed quote, re-sends included (live),
    or changes only (a recording or an import keeps changed tops): then a re-sending
    channel's quiet quote cannot be judged by its re-sends and counts as on change.
    """
    s = settings.strategy
    grace = s.max_quote_age_ms * NS_PER_MS
    if s.quote_freshness == "age":
        return [grace] * len(VENUES)
    out = []
    for venue in VENUES:
        resend_s = SPECS[venue].quote_resend_s
        out.append(NO_LIMIT if resend_s is None or not resends
                   else round(resend_s * 1e9) + grace)
    return out


class QuoteActivity:
    """Venue liveness from quote activity, for a replay that carries no feed events.

    A venue is live from its first quote until none of its symbols has quoted for
    `[feeds] stale_after_s`, as a live connection with no frame for that long is stale.
    `deadline` is a lower bound of the earliest moment a live venue can go stale, so the
    hot path pays one comparison per quote; `expire` finds the venues really gone quiet.
    """

    def __init__(self, stale_after_ns: int) -> None:
        self.stale_after_ns = stale_after_ns
        self.heard = [0] * len(VENUES)  # engine time of each venue's latest quote
        self.live = [False] * len(VENUES)
        self.deadline = NEVER

    def heard_from(self, i: int, now: int) -> bool:
        """Venue `i` quoted at `now`; True when that makes it live again."""
        self.heard[i] = now
        if self.live[i]:
            return False
        self.live[i] = True
        self.deadline = min(self.deadline, now + self.stale_after_ns)
        return True

    def expire(self, now: int) -> list[tuple[int, int]]:
        """(venue index, when it went stale) for each live venue silent since
        `now - stale_after_ns` or longer; the deadline moves to the next possible one."""
        gone = []
        deadline = NEVER
        for i, live in enumerate(self.live):
            if not live:
                continue
            stale_at = self.heard[i] + self.stale_after_ns
            if stale_at <= now:
                self.live[i] = False
                gone.append((i, stale_at))
            else:
                deadline = min(deadline, stale_at)
        self.deadline = deadline
        return gone
