"""Trading control over the API: pause, resume, halt and accepting the venues'
balances. Arming live trading is deliberately not possible here."""

from __future__ import annotations

import logging

from aiohttp import web

from arbot.api import params
from arbot.api.convert import drifts_out
from arbot.api.hub import EventHub
from arbot.api.respond import error, json_response
from arbot.api.schemas import Control, DriftAck
from arbot.domain import Venue
from arbot.view import RuntimeView

log = logging.getLogger("arbot.api")

ACK = frozenset(("venue",))


class TradingControl:
    """Every change is published on the hub, so stream clients see it at once."""

    def __init__(self, runtime: RuntimeView, hub: EventHub) -> None:
        self.rt = runtime
        self.hub = hub

    async def control(self, request: web.Request) -> web.Response:
        params.check_known(request.query, frozenset())
        action = request.match_info["action"]
        trader = self.rt.trader
        if trader is None:
            return error(409, "trading_off", "trading is off ([trading] mode = \"off\")")
        if action == "pause":
            trader.pause()
        elif action == "resume":
            trader.resume()
        else:
            trader.halt("kill switch (API)")
        self.hub.trading_state(trader.state, trader.risk.reason)
        return json_response(Control(trader.state.value, trader.risk.reason))

    async def acknowledge_drift(self, request: web.Request) -> web.Response:
        """The user accepts the venues' balances (one venue with `?venue=`): the ledger
        takes the venue's numbers and the venue trades again."""
        params.check_known(request.query, ACK)
        name = params.choice(request.query, "venue", tuple(Venue))
        trader = self.rt.trader
        if trader is None:
            return error(409, "trading_off", "trading is off ([trading] mode = \"off\")")
        done = trader.drift.acknowledge(Venue(name) if name is not None else None)
        for venue in done:
            log.warning("balance drift on %s acknowledged over the API", venue)
        return json_response(DriftAck([v.value for v in done], drifts_out(trader.drift)))
