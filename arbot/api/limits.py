"""What one API client can hold: connections, time and request bytes, each bounded.

aiohttp alone leaves all three open: a client that never finishes its request head, or
goes quiet on a keep-alive connection, keeps its socket for an hour; connections are not
counted; and a body is only measured if a handler reads it, which a control action never
did (a chunked body had no Content-Length to check). Every socket is a file descriptor
the feeds' reconnects and the database opens share, so:

* at most `max_connections` are served at once; one more is answered 503 and closed;
* a connection must deliver a complete request head within `timeout_s` of connecting or
  of its previous answer, else it is dropped (slowloris, idle keep-alive, silent sockets);
* a request body is read before its handler runs, whatever its framing: more than the
  limit is a 413, one that stalls for `timeout_s` a 408, and the handler never runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import msgspec
from aiohttp import web

from arbot.api.schemas import Error

log = logging.getLogger("arbot.api")

Refusal = tuple[int, str, str]  # status, code, message


class ConnectionLimits:
    """The listening socket's protocol factory: each accepted socket becomes a `Guarded`
    around aiohttp's own protocol, or is refused when `max_connections` are open."""

    def __init__(self, protocol: Callable[[], asyncio.Protocol], max_connections: int,
                 timeout_s: float) -> None:
        self.protocol = protocol
        self.max_connections = max_connections
        self.timeout_s = timeout_s
        self.open = 0
        self.refused = 0  # since the cap was last reached
        body = msgspec.json.encode(Error(
            "too_many_connections", f"the API serves at most {max_connections} connections "
                                    "at once; retry when one closes"))
        self.refusal = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json"
                        b"\r\nContent-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
                        % len(body) + body)

    def __call__(self) -> Guarded:
        return Guarded(self)

    def admit(self) -> bool:
        if self.open < self.max_connections:
            self.open += 1
            return True
        if not self.refused:
            log.warning("API: %d connections open ([api] max_connections); refusing more "
                        "until one closes", self.open)
        self.refused += 1
        return False

    def release(self) -> None:
        self.open -= 1
        if self.refused:
            log.info("API: accepting connections again (%d refused while full)", self.refused)
            self.refused = 0


class Guarded(asyncio.Protocol):
    """One client socket, passed through to aiohttp's protocol; closed when it owes a
    request head for longer than the timeout (`track_requests` says when it does not)."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self._limits = limits
        self._inner: asyncio.Protocol | None = None
        self._transport: asyncio.Transport | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._requests = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        if not self._limits.admit():
            transport.write(self._limits.refusal)
            transport.close()
            return
        self._inner = self._limits.protocol()
        self._inner.connection_made(transport)
        self._arm()

    def request_started(self) -> None:
        self._requests += 1
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def request_done(self) -> None:
        self._requests -= 1
        if not self._requests and self._inner is not None:
            self._arm()

    def _arm(self) -> None:
        loop = asyncio.get_running_loop()
        self._deadline = loop.call_later(self._limits.timeout_s, self._expire)

    def _expire(self) -> None:
        """Abort, not close: a client that stopped reading would hold a close open."""
        self._deadline = None
        if self._transport is not None:
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if self._inner is not None:
            self._inner.connection_lost(exc)
            self._inner = None
            self._limits.release()
        self._transport = None


@web.middleware
async def track_requests(
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Tells the connection a request head has arrived (its deadline stops) and when the
    answer is done (the deadline for the next head starts)."""
    transport = request.transport
    guarded = transport.get_protocol() if transport is not None else None
    if not isinstance(guarded, Guarded):
        return await handler(request)
    guarded.request_started()
    try:
        return await handler(request)
    finally:
        guarded.request_done()


async def read_body(request: web.Request, max_bytes: int, timeout_s: float) -> Refusal | None:
    """Read the body, whatever its framing (Content-Length, chunked, a length that lies),
    counting the bytes actually received; why it is refused, or None."""
    if not request.body_exists:
        return None
    too_large = (413, "body_too_large", f"request bodies are limited to {max_bytes} bytes")
    if (request.content_length or 0) > max_bytes:
        return too_large
    size = 0
    try:
        async with asyncio.timeout(timeout_s):
            while chunk := await request.content.readany():
                size += len(chunk)
                if size > max_bytes:
                    return too_large
    except TimeoutError:
        return (408, "request_timeout", f"the request body did not arrive within "
                                        f"{timeout_s:g} s")
    except web.RequestPayloadError as exc:  # framing or Content-Encoding broken mid-body
        request.content.feed_eof()  # else aiohttp reads it again after the answer, and logs
        return (400, "bad_body", "the request body cannot be read: "
                                 + " ".join(str(exc).split()))
    return None
