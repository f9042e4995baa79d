"""Saved settings applied to a running runtime: engine parameters in place, and only the
venues whose feeds changed reconnect. All real: simulator on 127.0.0.1, real feeds."""

from __future__ import annotations

import asyncio
from pathlib import Path

from arbot.config import ArbotSettings
from arbot.config.run import feeds_changed, needs_restart
from arbot.domain import FeedState, Venue
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from tests.conftest import until
from tests.test_runtime import SYMBOLS, settings_for

SIM = SimConfig(symbols=(*SYMBOLS, "SOL-USDT"), rate=50)


def changed(settings: ArbotSettings, **sections: dict[str, object]) -> ArbotSettings:
    data = settings.model_dump(mode="json")
    for name, values in sections.items():
        for key, value in values.items():
            if isinstance(value, dict):
                data[name][key].update(value)
            else:
                data[name][key] = value
    return ArbotSettings.model_validate(data)


def all_live(rt: Runtime, venues: set[Venue]) -> bool:
    states = rt.board.venue_states()
    return all(states.get(v) is FeedState.LIVE for v in venues)


async def test_apply_updates_the_engine_and_restarts_only_changed_venues(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    stop = asyncio.Event()
    async with Runtime(settings, demo=True, sim_config=SIM) as rt:
        run = asyncio.create_task(rt.run(stop))
        await until(lambda: all_live(rt, set(Venue)), "every venue live")
        assert rt.engine is not None
        demo_url = rt.settings.exchanges.okx.ws_url
        okx_feeds = list(rt.venue_feeds[Venue.OKX].feeds)

        # Strategy and fees only: the engine takes them, no connection is touched.
        new = changed(settings, strategy={"min_net_profit_bps": 12.5, "max_quote_age_ms": 400},
                      exchanges={"bybit": {"taker_fee_bps": 7.0}})
        assert rt.apply(new) == []
        assert rt.engine.min_bps == 12.5 and rt.engine.max_age_ns == 400_000_000
        assert rt.engine.fees[1].taker_bps == 7.0  # VENUES order: binance, bybit, ...
        assert rt.settings.exchanges.okx.ws_url == demo_url  # demo endpoints kept

        # Switch OKX off: only OKX restarts, into DISABLED, and the engine stops using it.
        off = changed(new, exchanges={"okx": {"enabled": False}})
        assert rt.apply(off) == [Venue.OKX]
        await until(lambda: rt.board.venue_states().get(Venue.OKX) is FeedState.DISABLED,
                    "okx disabled")
        assert rt.venue_feeds[Venue.OKX].feeds == []
        assert not rt.engine.board.usable[2]
        assert all(rt.venue_feeds[v].restarts == 0 for v in Venue if v is not Venue.OKX)
        assert all_live(rt, set(Venue) - {Venue.OKX})

        # On again: new connections, live again, usable again.
        assert rt.apply(new) == [Venue.OKX]
        await until(lambda: all_live(rt, set(Venue)), "okx live again")
        assert rt.engine.board.usable[2]
        assert rt.venue_feeds[Venue.OKX].feeds and \
            rt.venue_feeds[Venue.OKX].feeds[0] is not okx_feeds[0]

        # New symbols: every enabled venue reconnects and quotes the new one.
        more = changed(new, market={"symbols": [*SYMBOLS, "SOL-USDT"]})
        assert set(rt.apply(more)) == set(Venue)
        books = rt.engine.board.books
        await until(lambda: "SOL-USDT" in books
                    and sum(e is not None for e in books["SOL-USDT"].entries()) == 4,
                    "SOL-USDT quoted on every venue")
        stop.set()
        await run


def test_feeds_changed_and_needs_restart_name_exactly_what_changed(tmp_path: Path) -> None:
    base = settings_for(tmp_path)
    assert feeds_changed(base, base) == [] and needs_restart(base, base) == []
    url = changed(base, exchanges={"bitget": {"ws_url": "ws://127.0.0.1:1/x"}})
    assert feeds_changed(base, url) == [Venue.BITGET]
    off = changed(base, exchanges={"bybit": {"enabled": False}})
    assert feeds_changed(off, changed(off, market={"symbols": ["BTC-USDT"]})) == [
        Venue.BINANCE, Venue.OKX, Venue.BITGET]  # bybit is off: nothing to restart
    later = changed(base, storage={"path": "other.db"}, feeds={"stale_after_s": 9.0},
                    trading={"mode": "off"})
    assert needs_restart(base, later) == ["storage.path", "feeds", "trading"]
    deeper = changed(base, market={"depth": 20})
    assert needs_restart(base, deeper) == ["market.depth"] and feeds_changed(base, deeper) == []
