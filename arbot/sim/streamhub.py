"""Every venue's private stream: the connections, the account changes they push, and the
faults a test or a rehearsal asks for.

Each venue's account tells the hub of every order placed or cancelled (after its
balances moved); the hub pushes the order's change and the two balances it touched to
every logged-in connection of that venue, in the venue's words (`sim_stream`); a balance
moved without an order (`set_balance`) is pushed alone. Faults, per venue, switched at
runtime:

* `refuse_logins(venue, failure)`: logins fail as the venue answers that failure (an
  unknown or revoked key, an expired timestamp, a wrong signature);
* `drop_on_next_order(venue)`: the next order cuts every stream connection of the venue
  before its pushes go out (a stream dropped mid-trade: those pushes are lost);
* `delay_pushes(venue, s)`: order and balance pushes leave `s` later (a late fill);
* `mute_next_orders(venue, n)`: the next `n` orders are never pushed.

While a REST request is being handled, the pushes it causes are held (`held`) and sent
when the server says, before or after the request's answer: a venue's stream and its
REST answer leave independently, and either may come first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial

from aiohttp import web

from arbot.domain import Venue
from arbot.sim.account import VenueAccount
from arbot.sim.auth import AuthFailure
from arbot.sim.config import Credentials, Heartbeat
from arbot.sim.orders import SimOrder
from arbot.sim.stream import Conn, StreamApi, StreamConn
from arbot.venues import VenueClasses

# Each venue's private stream, `STREAM` in its `sim_stream` module.
STREAMS: Mapping[Venue, type[StreamApi]] = VenueClasses[StreamApi](
    "sim_stream", "STREAM", StreamApi)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HeldPushes:
    """Pushes caused while a request was handled, to send when the answer's turn says."""

    def __init__(self) -> None:
        self._pushes: list[tuple[StreamConn, list[bytes], float]] = []

    def __bool__(self) -> bool:
        return bool(self._pushes)

    def add(self, conn: StreamConn, frames: list[bytes], delay_s: float) -> None:
        self._pushes.append((conn, frames, delay_s))

    def send(self) -> None:
        """Send them all, in the order they were caused (once)."""
        pushes, self._pushes = self._pushes, []
        for conn, frames, delay_s in pushes:
            conn.push(frames, delay_s)


class StreamHub:
    """The private streams of all four venues."""

    def __init__(self, accounts: Mapping[Venue, VenueAccount],
                 credentials: Mapping[Venue, Credentials],
                 heartbeats: Callable[[Venue], Heartbeat], now_ms: Callable[[], int],
                 modes: Callable[[Venue], str]) -> None:
        self.apis: dict[Venue, StreamApi] = {v: cls() for v, cls in STREAMS.items()}
        self.accounts = accounts
        self.connections: dict[Venue, int] = dict.fromkeys(Venue, 0)
        """Connections accepted per venue since the start."""
        self._credentials = credentials
        self._heartbeats = heartbeats
        self._now_ms = now_ms
        self._modes = modes
        self._conns: dict[Venue, set[StreamConn]] = {v: set() for v in Venue}
        self._refuse: dict[Venue, AuthFailure | None] = dict.fromkeys(Venue)
        self._drop_next: set[Venue] = set()
        self._delay: dict[Venue, float] = dict.fromkeys(Venue, 0.0)
        self._mute: dict[Venue, int] = dict.fromkeys(Venue, 0)
        self._held: dict[Venue, HeldPushes] = {}
        for venue, account in accounts.items():
            account.listeners.append(partial(self._changed, venue))
            account.balance_listeners.append(partial(self._balance_moved, venue))

    # --- knobs -----------------------------------------------------------------------

    def refuse_logins(self, venue: Venue, failure: AuthFailure | None) -> None:
        """Refuse every later login with `failure` (None: accept good logins again)."""
        self._refuse[venue] = failure
        for c in self._conns[venue]:
            c.conn.refuse = failure

    def drop_on_next_order(self, venue: Venue) -> None:
        self._drop_next.add(venue)

    def delay_pushes(self, venue: Venue, seconds: float) -> None:
        self._delay[venue] = seconds

    def mute_next_orders(self, venue: Venue, count: int = 1) -> None:
        self._mute[venue] += count

    def drop(self, venue: Venue) -> int:
        """Cut every stream connection of a venue at the TCP level; returns how many."""
        conns = list(self._conns[venue])
        for c in conns:
            c.abort()
        return len(conns)

    def logged_in(self, venue: Venue) -> int:
        """Connections of the venue logged in now."""
        return sum(1 for c in self._conns[venue] if c.conn.authed)

    @contextmanager
    def held(self, venue: Venue) -> Iterator[HeldPushes]:
        """Hold the venue's pushes caused inside the block (a request being handled); the
        caller sends them (`HeldPushes.send`) before or after the answer, whatever
        happens to the answer."""
        held = self._held[venue] = HeldPushes()
        try:
            yield held
        finally:
            del self._held[venue]

    # --- serving ---------------------------------------------------------------------

    def handler(self, venue: Venue, path: str) -> Handler:
        """Serves one of the venue's stream paths."""
        api = self.apis[venue]
        heartbeat = self._heartbeats(venue)

        async def handle(request: web.Request) -> web.StreamResponse:
            # A server-ping venue pings at the WebSocket level and drops a silent client.
            ws = web.WebSocketResponse(
                heartbeat=heartbeat.ping_interval_s if api.server_pings else None,
                max_msg_size=1 << 20)
            await ws.prepare(request)
            self.connections[venue] += 1
            n = self.connections[venue]
            creds = self._credentials[venue]
            conn = Conn(f"{venue.value}-private-{n}", self._now_ms, {creds.key: creds},
                        path=path, account_mode=partial(self._modes, venue),
                        refuse=self._refuse[venue])
            client = StreamConn(api, ws, request, conn, heartbeat, f"sim-{venue.value}-pvt-{n}")
            self._conns[venue].add(client)
            try:
                await client.run()
            finally:
                self._conns[venue].discard(client)
            return ws

        return handle

    async def close(self) -> None:
        for venue in Venue:
            self.drop(venue)
        await asyncio.sleep(0)

    def _balance_moved(self, venue: Venue, asset: str) -> None:
        """A balance moved without an order (a deposit, a trade by hand): the venues push
        the account's new balance of that asset."""
        balances = {asset: self.accounts[venue].balance(asset)}
        api = self.apis[venue]
        for c in self._conns[venue]:
            if c.conn.authed:
                self._push(venue, c, api.balance_frames(balances, c.conn))

    def _changed(self, venue: Venue, order: SimOrder) -> None:
        """An order was placed or cancelled on the venue's account."""
        if venue in self._drop_next:
            self._drop_next.discard(venue)
            self.drop(venue)
            return
        if self._mute[venue] > 0:
            self._mute[venue] -= 1
            return
        account = self.accounts[venue]
        balances = {a: account.balance(a) for a in (order.spec.base, order.spec.quote)}
        api = self.apis[venue]
        for c in self._conns[venue]:
            if c.conn.authed:
                self._push(venue, c,
                           api.order_frames(order, c.conn) + api.balance_frames(balances, c.conn))

    def _push(self, venue: Venue, conn: StreamConn, frames: list[bytes]) -> None:
        held = self._held.get(venue)
        if held is not None:
            held.add(conn, frames, self._delay[venue])
        else:
            conn.push(frames, self._delay[venue])
