"""The middlewares every request passes: errors become JSON, the token is checked and
the body is read in full before any handler sees the request."""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from arbot.api import params
from arbot.api.limits import read_body
from arbot.api.metrics import is_loopback
from arbot.api.respond import error
from arbot.storage.db import DatabaseError
from arbot.view import RuntimeView

log = logging.getLogger("arbot.api")

MAX_BODY = 1024


class Guard:
    """Middlewares as bound methods: they need the token and the `[api]` settings."""

    def __init__(self, runtime: RuntimeView, token: str) -> None:
        self.rt = runtime
        self._token = token.encode()

    @web.middleware
    async def errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every answer is JSON with a code and a message; nothing a client sends can
        cause a 500 (one that escapes anyway is logged and answered as `internal`)."""
        try:
            return await handler(request)
        except params.BadParameter as exc:
            return error(400, "bad_parameter", str(exc))
        except web.HTTPException as exc:
            code = exc.reason.lower().replace(" ", "_")
            response = error(exc.status, code, exc.reason)
            if "Allow" in exc.headers:  # 405 must say which methods are allowed
                response.headers["Allow"] = exc.headers["Allow"]
            return response
        except DatabaseError as exc:
            return error(503, "database_unavailable", str(exc))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("API %s %s failed", request.method, request.path)
            return error(500, "internal", "internal error; see ArBot's log")

    @web.middleware
    async def auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """`Authorization: Bearer <token>` on everything but /api/health, compared in
        constant time; a token anywhere else (query, other header) does not count. Then
        the body, read and measured in full before the handler sees the request."""
        if request.path != "/api/health" and not self._open_metrics(request):
            given = request.headers.get("Authorization", "")
            scheme, _, value = given.partition(" ")
            # aiohttp keeps bytes that are not UTF-8 as surrogates: back to those bytes
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                    value.strip().encode("utf-8", "surrogateescape"), self._token):
                return error(401, "unauthorized", "send Authorization: Bearer <token>")
        refused = await read_body(request, MAX_BODY, self.rt.settings.api.timeout_s)
        if refused is not None:  # before the handler: a refused POST changes nothing
            response = error(*refused)
            response.force_close()
            return response
        return await handler(request)

    def _open_metrics(self, request: web.Request) -> bool:
        """/metrics from this machine while `[api] metrics_open_on_loopback` is set: the
        peer is the socket's own address (no header can claim it)."""
        if request.path != "/metrics" or not self.rt.settings.api.metrics_open_on_loopback:
            return False
        peer = request.transport.get_extra_info("peername") if request.transport else None
        return is_loopback(str(peer[0]) if peer else None)
