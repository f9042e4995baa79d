"""A hand-filled depth board and an episode the engine walked on it, for the ladder.

BTC-USDT: binance's asks and OKX's bids, ten levels and more each, and an open episode
buying on binance and selling on OKX, walked to max_notional 100 USDT: three levels on
each side, the third of each partly (0.00156 BTC of the 0.0005 + 0.0006 + 0.003 asks and
of the 0.0004 + 0.0008 + 0.002 bids). The walk's figures are set by hand as the engine
(`arbot.depth.walk`) reports them: 100 USDT at the asks, so a VWAP of 63950.95, the
bids' VWAP 64099.02, net of two 10 bp taker fees 0.0313 USDT or +3.13 bps. Bybit's book
for the symbol is resyncing, so its levels must never show.
"""

from __future__ import annotations

from msgspec.structs import replace

from arbot.depth.board import DepthBoard
from arbot.domain import Episode, EpisodeEvent, EpisodeKind, Venue, Verdict
from tests.tui.fakes import MS, WALL_NS, opportunity, quote

ASKS = [("63950.5", "0.0005"), ("63950.9", "0.0006"), ("63951.5", "0.003"),
        ("63952", "0.25"), ("63953.2", "0.4"), ("63955", "1.1"), ("63957.5", "0.8"),
        ("63960", "2"), ("63961.1", "0.05"), ("63965", "3"), ("63970", "1")]
BIDS = [("64100", "0.0004"), ("64099", "0.0008"), ("64098", "0.002"), ("64097.5", "0.3"),
        ("64096", "0.5"), ("64095", "1.2"), ("64093.3", "0.9"), ("64090", "2.5"),
        ("64088.8", "0.07"), ("64085", "4"), ("64080", "1")]
LADDER_ID = "BTC-USDT|binance|okx|7"


def depth_board() -> DepthBoard:
    """Binance's and OKX's BTC-USDT books synced and full; Bybit's resyncing (it was
    full when the fault came: a reset book holds nothing, and one waiting for its
    snapshot shows nothing either)."""
    board = DepthBoard(levels=20)
    binance = board.book(Venue.BINANCE, "BTC-USDT")
    binance.replace(bids=[("63949", "0.2"), ("63948.1", "0.6")], asks=ASKS)
    okx = board.book(Venue.OKX, "BTC-USDT")
    okx.replace(bids=BIDS, asks=[("64101", "0.3"), ("64102.4", "0.9")])
    binance.synced = okx.synced = True
    bybit = board.book(Venue.BYBIT, "BTC-USDT")
    bybit.replace(bids=[("63900", "0.5")], asks=[("63901", "0.5")])
    bybit.synced = False
    return board


def ladder_event(buy_venue: Venue = Venue.BINANCE, sell_venue: Venue = Venue.OKX,
                 eid: str = LADDER_ID) -> EpisodeEvent:
    """The open episode walked on `depth_board()`, opened 300 ms ago (the newest)."""
    buy = replace(quote(buy_venue, "BTC-USDT", 63949.0, 63950.5, age_ms=300),
                  ask_size=0.0005)
    sell = replace(quote(sell_venue, "BTC-USDT", 64100.0, 64101.0, age_ms=310),
                   bid_size=0.0004)
    walked = replace(opportunity(buy, sell), walk_size=0.0015637, buy_vwap=63950.95,
                     sell_vwap=64099.02, buy_worst=63951.5, sell_worst=64098.0,
                     walk_profit=0.0313, walk_net_bps=3.13, buy_levels=3, sell_levels=3)
    episode = Episode(id=eid, symbol="BTC-USDT", buy_venue=buy_venue, sell_venue=sell_venue,
                      opened_ns=WALL_NS - 300 * MS, first=walked, peak=walked, last=walked,
                      verdict=Verdict(passed=True), passed=True, updates=4)
    return EpisodeEvent(kind=EpisodeKind.OPEN, episode=episode)
