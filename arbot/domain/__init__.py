"""Domain types shared by every layer: frozen msgspec Structs, cheap to build on the hot path.

Every Struct is keyword-only, so a construction site names each field and a field added,
removed or reordered cannot silently shift the others (the field order, and so the JSON,
is unchanged by `kw_only`).

Market data is float (detection compares bps against thresholds; float error is ~1e-16
relative). Instrument rules stay exact strings, because order quantization must be done
with Decimal from the venue's own text.

One module per kind of thing (`venue`, `market`, `instrument`, `feed`, `opportunity`,
`orders`, `trades`); every type is re-exported here, so importers say `from arbot.domain import X`.
"""

from arbot.domain.feed import (
    BookResync,
    ControlEvent,
    FeedEvent,
    FeedState,
    FeedStatus,
    Pong,
    ShutdownNotice,
    SubscribeAck,
    VenueError,
)
from arbot.domain.instrument import Instrument, PriceBand
from arbot.domain.market import BookDelta, Quote
from arbot.domain.opportunity import (
    PASSED,
    Episode,
    EpisodeEvent,
    EpisodeKind,
    Opportunity,
    Verdict,
)
from arbot.domain.orders import (
    Balance,
    FeeRates,
    OrderNotSent,
    OrderReport,
    OrderRequest,
    OrderStatus,
    Side,
)
from arbot.domain.trades import LegOrder, Settlement, TradeOutcome
from arbot.domain.venue import Venue, is_canonical_symbol

__all__ = [
    "PASSED",
    "Balance",
    "BookDelta",
    "BookResync",
    "ControlEvent",
    "Episode",
    "EpisodeEvent",
    "EpisodeKind",
    "FeeRates",
    "FeedEvent",
    "FeedState",
    "FeedStatus",
    "Instrument",
    "LegOrder",
    "Opportunity",
    "OrderNotSent",
    "OrderReport",
    "OrderRequest",
    "OrderStatus",
    "Pong",
    "PriceBand",
    "Quote",
    "Settlement",
    "ShutdownNotice",
    "Side",
    "SubscribeAck",
    "TradeOutcome",
    "Venue",
    "VenueError",
    "Verdict",
    "is_canonical_symbol",
]
