"""Private streams, the part every venue shares: what a venue's stream module provides,
the login check, and one client connection.

A venue's `sim_stream` module is a `StreamApi`: its path, how it answers client frames
(login, subscribe, ping) and how it words an order's change and a balance change. The
connection (`StreamConn`) owns the socket: a receive loop answering the client, pushes
written the moment the account's callbacks hand them over, the venue's heartbeat rule
(client pings within an idle timeout, or server pings at the WebSocket level) and the
faults a test asks for (`arbot.sim.streamhub`).

A push is written to the socket at once, as a venue's stream gateway forwards the
matching engine's event, and not from a send task that would run only after whatever
else this one event loop had ready (another order's HTTP answer, say): a real venue's
stream does not wait for its REST gateway's other work.
"""

from __future__ import annotations

import abc
import asyncio
import hmac
import logging
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from aiohttp import WSMsgType, web

from arbot.domain import Venue
from arbot.sim.auth import AuthFailure, Encoding, sign
from arbot.sim.config import Credentials, Heartbeat
from arbot.sim.orders import Balance, Fill, SimOrder, State
from arbot.sim.wire import JsonObj, loads

log = logging.getLogger("arbot.sim")


@dataclass
class Conn:
    """What a venue's stream module may read and change about one connection."""

    conn_id: str
    now_ms: Callable[[], int]
    keys: Mapping[str, Credentials]
    path: str = ""  # which of the venue's stream paths the client connected to
    account_mode: Callable[[], str] = lambda: ""  # the account's mode now, where modes exist
    refuse: AuthFailure | None = None  # a forced refusal of the next logins (a fault)
    authed: bool = False
    topics: set[str] = field(default_factory=set)
    close_after_reply: bool = False  # the venue closes after this answer (failed login)


@dataclass(frozen=True)
class Login:
    """A login as a venue's frame carries it, to check the same way for all."""

    key: str
    timestamp_ms: int | None  # None: unreadable
    signature: str
    prehash: bytes
    encoding: Encoding
    passphrase: str | None = None


def check_login(login: Login, conn: Conn, fresh: Callable[[int, int], bool]
                ) -> AuthFailure | None:
    """The first thing wrong with a login (None: accepted), in the order REST checks;
    `fresh(timestamp_ms, now_ms)` is the venue's window."""
    if conn.refuse is not None:
        return conn.refuse
    creds = conn.keys.get(login.key)
    if creds is None:
        return AuthFailure.UNKNOWN_KEY
    if login.passphrase is not None and not hmac.compare_digest(
            login.passphrase.encode(), creds.passphrase.encode()):
        return AuthFailure.BAD_PASSPHRASE
    if login.timestamp_ms is None:
        return AuthFailure.BAD_TIMESTAMP
    if not fresh(login.timestamp_ms, conn.now_ms()):
        return AuthFailure.EXPIRED
    expected = sign(creds.secret, login.prehash, login.encoding)
    given = login.signature.lower() if login.encoding == "hex" else login.signature
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return AuthFailure.BAD_SIGNATURE
    return None


def passphrase_login(args: object, verify_path: str, *, ms_too: bool = False
                     ) -> Login | None:
    """The `op: login` of venues that send apiKey, passphrase, timestamp (seconds; or
    milliseconds too, `ms_too`) and a Base64 HMAC-SHA256 of timestamp + "GET" +
    `verify_path`; None when the frame does not have that shape."""
    if not (isinstance(args, list) and len(args) == 1 and isinstance(args[0], dict)):
        return None
    a = args[0]
    ts = str(a.get("timestamp", ""))
    ts_ms = int(ts) if ts.isascii() and ts.isdigit() else None
    if ts_ms is not None and not (ms_too and ts_ms >= 10**11):
        ts_ms *= 1000
    return Login(str(a.get("apiKey", "")), ts_ms, str(a.get("sign", "")),
                 f"{ts}GET{verify_path}".encode(), "base64", str(a.get("passphrase", "")))


def text_frame(payload: bytes) -> bytes:
    """One unmasked, unfragmented text frame from the server (RFC 6455 section 5.2: FIN
    and opcode 0x1, then the payload length in 7, 7+16 or 7+64 bits)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x81, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + payload


def read_object(text: str) -> JsonObj | None:
    """A client frame as a JSON object; None when it is not one."""
    obj = loads(text)
    return obj if isinstance(obj, dict) else None


def new_fills(order: SimOrder) -> tuple[Fill, ...]:
    """The fills an order's change brings: every fill when it was placed (an order
    matches only then), none when it was cancelled."""
    return () if order.state is State.CANCELED else order.fills


class StreamApi(abc.ABC):
    """One venue's private stream as the simulator serves it."""

    venue: ClassVar[Venue]
    paths: ClassVar[tuple[str, ...]]  # under the venue's prefix; the first is the main one
    server_pings: ClassVar[bool] = False  # WebSocket pings from the server (else clients')

    @abc.abstractmethod
    def handle(self, text: str, conn: Conn) -> list[bytes]:
        """Answers to one client frame; may log the connection in, subscribe it, or ask
        for it to be closed after the answer."""

    @abc.abstractmethod
    def order_frames(self, order: SimOrder, conn: Conn) -> list[bytes]:
        """The pushes for an order's new state (its fills included), for what `conn`
        subscribed."""

    @abc.abstractmethod
    def balance_frames(self, balances: Mapping[str, Balance], conn: Conn) -> list[bytes]:
        """The pushes for changed balances, for what `conn` subscribed."""


class StreamConn:
    """One client of a private stream. `run()` returns when the connection is over."""

    def __init__(self, api: StreamApi, ws: web.WebSocketResponse, request: web.Request,
                 conn: Conn, heartbeat: Heartbeat, name: str) -> None:
        self.api, self.ws, self.conn, self.name = api, ws, conn, name
        self._heartbeat = heartbeat
        self._transport = request.transport
        self._loop = asyncio.get_running_loop()
        self._last_heard = self._last_sent = self._loop.time()
        self._closing: asyncio.Task[object] | None = None

    async def run(self) -> None:
        tasks: list[asyncio.Task[object]] = []
        if not self.api.server_pings:
            tasks.append(asyncio.create_task(self._idle_watch(), name=f"{self.name}-idle"))
        try:
            async for msg in self.ws:
                if msg.type is WSMsgType.TEXT:
                    self._last_heard = self._loop.time()
                    self._answer(msg.data)
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            for task in tasks:
                task.cancel()
            if self._closing is not None:
                tasks.append(self._closing)
            if tasks:
                await asyncio.wait(tasks)

    def push(self, frames: list[bytes], delay_s: float = 0.0) -> None:
        """Write frames to this client now, in order, or after `delay_s` (a late push);
        nothing once the connection is closing."""
        if delay_s > 0:
            self._loop.call_later(delay_s, self.push, frames)
            return
        transport = self._transport
        if transport is None or transport.is_closing() or self.ws.closed or \
                self._closing is not None:
            return
        if frames:  # in one write: one segment on the wire, as a gateway would batch them
            transport.write(b"".join(map(text_frame, frames)))
            self._last_sent = self._loop.time()

    def abort(self) -> None:
        """Cut the TCP connection without a close frame, as a network failure would."""
        if self._transport is not None:
            self._transport.abort()

    def _answer(self, text: str) -> None:
        try:
            replies = self.api.handle(text, self.conn)
        except Exception:  # a protocol bug must not take the server down
            log.exception("%s: handling %.200r failed", self.name, text)
            return
        self.push(replies)
        if self.conn.close_after_reply and self._closing is None:
            self._closing = asyncio.create_task(self.ws.close(), name=f"{self.name}-close")

    async def _idle_watch(self) -> None:
        """Client-ping venues close a connection that said nothing for too long (where
        the venue says so, nothing either way: its pushes keep the line alive too)."""
        hb = self._heartbeat
        limit = hb.idle_timeout_s
        while True:
            alive = max(self._last_heard, self._last_sent) if hb.data_keeps_alive \
                else self._last_heard
            left = alive + limit - self._loop.time()
            if left <= 0:
                log.info("%s: no ping for %.0f s, closing", self.name, limit)
                await self.ws.close()
                return
            await asyncio.sleep(left)
