"""JSON answers: every endpoint, error or not, answers JSON the same way."""

from __future__ import annotations

import msgspec
from aiohttp import web

from arbot.api.schemas import Error


def json_response(body: object, status: int = 200) -> web.Response:
    return web.Response(body=msgspec.json.encode(body), status=status,
                        content_type="application/json")


def error(status: int, code: str, message: str) -> web.Response:
    return json_response(Error(code, message), status)
