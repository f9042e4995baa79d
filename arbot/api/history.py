"""Endpoints over what was recorded: episodes (with the engine's open ones first),
trades and profit, read from the database opened read-only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from aiohttp import web

from arbot.api import params
from arbot.api.convert import episode_out, episode_row_out, trade_row_out
from arbot.api.respond import json_response
from arbot.api.schemas import EpisodeOut
from arbot.storage.db import DatabaseError, open_db
from arbot.storage.profit import ProfitGroup, read_profit
from arbot.storage.queries import iter_episodes
from arbot.storage.trade_queries import iter_trades
from arbot.tradekinds import TradingMode
from arbot.view import RuntimeView

HISTORY = frozenset(("since", "until", "symbol", "limit"))
PROFIT = frozenset(("group", "since", "until", "mode"))
PROFIT_MODES = (TradingMode.PAPER.value, TradingMode.LIVE.value)
R = TypeVar("R")  # a history record


class History:
    """Each request opens the database read-only, so the writer is never blocked."""

    def __init__(self, runtime: RuntimeView) -> None:
        self.rt = runtime

    async def opportunities(self, request: web.Request) -> web.Response:
        """Open episodes from the engine, then the recorded ones, newest first."""
        q = request.query
        params.check_known(q, HISTORY)
        symbol, limit = params.symbol(q), params.limit(q)
        since, until = params.time_ns(q, "since"), params.time_ns(q, "until")
        found: dict[str, EpisodeOut] = {}
        engine = self.rt.engine
        if engine is not None:
            for live in list(engine.episodes.open.values()):
                e = live.freeze()
                if (symbol in (None, e.symbol) and (since is None or e.opened_ns >= since)
                        and (until is None or e.opened_ns < until)):
                    found[e.id] = episode_out(e)
        rows = await self._history(iter_episodes, symbol, since, until)
        for row in rows:
            out = episode_row_out(row)
            found.setdefault(out.id, out)
        newest = sorted(found.values(), key=lambda e: e.opened, reverse=True)[:limit]
        return json_response(newest)

    async def trades(self, request: web.Request) -> web.Response:
        q = request.query
        params.check_known(q, HISTORY)
        symbol, limit = params.symbol(q), params.limit(q)
        rows = await self._history(iter_trades, symbol, params.time_ns(q, "since"),
                                   params.time_ns(q, "until"))
        out = [trade_row_out(r) for r in rows]
        return json_response(sorted(out, key=lambda t: t.opened, reverse=True)[:limit])

    async def _history(self, query: Callable[..., AsyncIterator[R]], symbol: str | None,
                       since: int | None, until: int | None) -> list[R]:
        """Rows from the database, read-only (an empty list before the first write)."""
        try:
            conn = await open_db(self.rt.settings.storage.path, readonly=True)
        except DatabaseError as exc:
            if exc.kind == "missing":
                return []
            raise
        try:
            rows = query(conn, symbol=symbol, since_ns=since, until_ns=until)
            return [row async for row in rows]
        finally:
            await conn.close()

    async def profit(self, request: web.Request) -> web.Response:
        """PnL, trades, fees, win rate and drawdown per day, run or pair, over every run
        recorded (the same report as `arbot report`)."""
        q = request.query
        params.check_known(q, PROFIT)
        group = ProfitGroup(params.choice(q, "group", tuple(ProfitGroup)) or ProfitGroup.DAY)
        mode = params.choice(q, "mode", PROFIT_MODES)
        report = await read_profit(self.rt.settings.storage.path, group,
                                   since_ns=params.time_ns(q, "since"),
                                   until_ns=params.time_ns(q, "until"), mode=mode)
        return json_response(report)
