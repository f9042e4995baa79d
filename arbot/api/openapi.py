"""`GET /api/openapi.json`: an OpenAPI 3.1 description built from the same Structs the
handlers encode, so the schemas cannot drift from the answers."""

from __future__ import annotations

import functools
from typing import Any

import msgspec

from arbot import __version__
from arbot.api.hub import STATUS_S
from arbot.api.schemas import (
    BalanceOut,
    Control,
    DriftAck,
    EpisodeOut,
    Error,
    Health,
    QuoteOut,
    Status,
    TradeOut,
)
from arbot.domain import Venue
from arbot.inventory.report import InventoryReport
from arbot.storage.profit import ProfitGroup, ProfitReport

REF = "#/components/schemas/{name}"
_ERRORS = {"400": "a bad query parameter, or a request body that cannot be read",
           "401": "no or wrong bearer token", "404": "no such path",
           "405": "method not allowed",
           "408": "the request body did not arrive within [api] timeout_s",
           "413": "request body over 1 KiB",
           "503": "[api] max_connections are open (too_many_connections), or the database "
                  "is unavailable"}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF.format(name=name)}


def _json(schema: dict[str, Any], what: str) -> dict[str, Any]:
    return {"description": what, "content": {"application/json": {"schema": schema}}}


def _errors() -> dict[str, Any]:
    return {code: _json(_ref("Error"), what) for code, what in _ERRORS.items()}


TIME_PATTERN = (r"^([0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                r"(Z|[+-][0-9]{2}:[0-9]{2})?)?|[0-9]{1,12}(\.[0-9]{1,6})?)$")
_SINCE = {"name": "since", "in": "query", "required": False,
          "description": "opened at or after: ISO-8601 (UTC if no zone) or epoch seconds; "
                         "a date that does not exist (2024-02-30) is a 400",
          "schema": {"type": "string", "pattern": TIME_PATTERN}}
_UNTIL = {**_SINCE, "name": "until", "description": "opened before (same forms as since)"}
_SYMBOL = {"name": "symbol", "in": "query", "required": False,
           "description": "canonical BASE-QUOTE, e.g. BTC-USDT",
           "schema": {"type": "string", "pattern": "^[A-Z0-9]+-[A-Z0-9]+$"}}
_LIMIT = {"name": "limit", "in": "query", "required": False, "description": "at most this many",
          "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}


_PROFIT = [
    {"name": "group", "in": "query", "required": False,
     "description": "one row per UTC day the trades settled, per run, or per symbol and "
                    "venue pair (buy>sell)",
     "schema": {"type": "string", "enum": [g.value for g in ProfitGroup], "default": "day"}},
    {**_SINCE, "description": "settled at or after: ISO-8601 (UTC if no zone) or epoch "
                              "seconds; a date that does not exist (2024-02-30) is a 400"},
    {**_UNTIL, "description": "settled before (same forms as since)"},
    {"name": "mode", "in": "query", "required": False,
     "description": "only paper or only live trades (default both)",
     "schema": {"type": "string", "enum": ["paper", "live"]}}]


def _get(summary: str, schema: dict[str, Any],
         params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params or [],
                    "responses": {"200": _json(schema, "OK"), **_errors()}}}


def _array(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


@functools.cache
def openapi() -> bytes:
    _, components = msgspec.json.schema_components(
        [Error, Health, Status, QuoteOut, EpisodeOut, TradeOut, BalanceOut, Control,
         DriftAck, ProfitReport, InventoryReport],
        ref_template=REF)
    history = [_SINCE, _UNTIL, _SYMBOL, _LIMIT]
    health = _get("Engine heartbeat and venue states; 503 when the engine is stalled or "
                  "fewer than two venues are live", _ref("Health"))
    health["get"]["responses"]["503"] = _json({"oneOf": [_ref("Health"), _ref("Error")]},
                                              "unhealthy (Health), or too many connections")
    health["get"]["security"] = []
    control = {"post": {
        "summary": "Pause, resume or halt trading (halt: the kill switch, cancels open "
                   "orders; arming live trading is not possible over the API)",
        "parameters": [{"name": "action", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["pause", "resume", "halt"]}}],
        "responses": {"200": _json(_ref("Control"), "the trading state now"),
                      "409": _json(_ref("Error"), "trading is off"), **_errors()}}}
    acknowledge = {"post": {
        "summary": "Acknowledge balance drift: the ledger takes the venue's balances where "
                   "they left its expectation by more than [trading] max_balance_drift, "
                   "and the venue opens trades again (every venue's drift, or one venue's)",
        "parameters": [{"name": "venue", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": [v.value for v in Venue]}}],
        "responses": {"200": _json(_ref("DriftAck"), "what was acknowledged, what is open"),
                      "409": _json(_ref("Error"), "trading is off"), **_errors()}}}
    stream = {"get": {"summary": "Server-sent events: episode, trade and status",
                      "description": "episode and trade events as they happen; status when "
                                     "a feed or trading changes state, and a status event "
                                     "with the whole of /api/status and \"periodic\": true "
                                     f"on connecting and every {STATUS_S:g} seconds",
                      "parameters": [],
                      "responses": {"200": {"description": "an event stream",
                                            "content": {"text/event-stream": {
                                                "schema": {"type": "string"}}}},
                                    **_errors()}}}
    metrics = {"get": {
        "summary": "Prometheus metrics (text format 0.0.4, or OpenMetrics when the Accept "
                   "header asks for it); without the token from loopback clients when [api] "
                   "metrics_open_on_loopback is set",
        "parameters": [],
        "responses": {"200": {"description": "every arbot_* series",
                              "content": {"text/plain": {"schema": {"type": "string"}}}},
                      **_errors()}}}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "ArBot API", "version": __version__,
                 "description": "Status, prices, opportunities, trades and control of a "
                                "running ArBot. Timestamps are ISO-8601 UTC."},
        "servers": [{"url": "/"}],
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "the token in ARBOT_API_TOKEN"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/api/health": health,
            "/api/status": _get("Mode, armed, trading state, uptime, funnel, latency",
                                _ref("Status")),
            "/api/quotes": _get("Latest quote per venue and symbol", _array("QuoteOut"),
                                [_SYMBOL]),
            "/api/opportunities": _get("Open and recorded episodes, newest first",
                                       _array("EpisodeOut"), history),
            "/api/trades": _get("Recorded trades, newest first", _array("TradeOut"),
                                history),
            "/api/profit": _get("PnL (net of fees, quote currency), trades, fees, win rate "
                                "and max drawdown per day, run or pair over every recorded "
                                "run, and their total; open trades are counted, not summed",
                                _ref("ProfitReport"), _PROFIT),
            "/api/balances": _get("Balances per venue and asset", _array("BalanceOut")),
            "/api/inventory": _get("Inventory against its target split, consumption, time "
                                   "until each direction runs dry, and the rebalance plan "
                                   "(`rebalance`, advice only)", _ref("InventoryReport")),
            "/api/trading/{action}": control,
            "/api/trading/acknowledge-drift": acknowledge,
            "/api/stream": stream,
            "/api/openapi.json": _get("This description", {"type": "object"}),
            "/metrics": metrics,
        },
    }
    return msgspec.json.encode(spec)
