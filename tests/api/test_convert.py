"""Episodes to the API's and the CSV export's shapes: the walked figures travel, and rows
recorded before ArBot walked books give null (empty in CSV) rather than a made-up zero."""

from __future__ import annotations

from arbot.api.convert import episode_out, episode_row_out
from arbot.export import EPISODE_HEADER, episode_csv_row
from arbot.storage.models import EpisodeRecord
from tests.storage.test_walk_columns import episode, opportunity

OLD = EpisodeRecord("e0", "ETH-USDT", "binance", "okx", 7, 9, 12.0, 15.5, 2.0, 0.25, 3000.0,
                    3004.5, None, None, None, None, None, None, "passed", "below_min")
WALKED = EpisodeRecord("e1", "ETH-USDT", "binance", "okx", 7, 9, 12.0, 15.5, 2.0, 0.25,
                       3000.0, 3004.5, 2.0, 2.0, 10.0, 10.0, 5, 6, "passed", "below_min",
                       4.0, 0.8, 20.0, 3000.5, 3004.0, 3001.0, 3003.5, 2, 3)


def test_a_live_episode_carries_its_peak_walk() -> None:
    first, peak = opportunity(100.5, 2.0), opportunity(100.6, 4.0)
    out = episode_out(episode(first, peak))
    assert (out.walk_size_peak, out.walk_profit_peak, out.walk_net_bps_peak) == (4.0, 0.8, 20.0)
    assert (out.buy_vwap_peak, out.sell_vwap_peak, out.buy_worst_peak, out.sell_worst_peak) == (
        100.05, 100.55, 100.1, 100.5)
    assert (out.buy_levels_peak, out.sell_levels_peak) == (2, 3)


def test_recorded_episodes_carry_their_walk_or_null() -> None:
    out = episode_row_out(WALKED)
    assert (out.walk_size_peak, out.sell_worst_peak, out.sell_levels_peak) == (4.0, 3003.5, 3)
    old = episode_row_out(OLD)
    assert old.walk_size_peak is None and old.buy_levels_peak is None


def test_the_episode_csv_has_the_walk_columns() -> None:
    walked = dict(zip(EPISODE_HEADER, episode_csv_row(WALKED), strict=True))
    assert (walked["walk_size_peak"], walked["walk_profit_peak"], walked["buy_vwap_peak"],
            walked["sell_worst_peak"], walked["buy_levels_peak"]) == ("4.0", "0.8", "3000.5",
                                                                      "3003.5", "2")
    old = dict(zip(EPISODE_HEADER, episode_csv_row(OLD), strict=True))
    assert old["walk_size_peak"] == old["sell_levels_peak"] == "" and old["size_peak"] == "2.0"
