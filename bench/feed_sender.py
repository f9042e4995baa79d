"""The sending side of bench/feed.py, run in its own process so it has its own core.

    python bench/feed_sender.py flood [--symbols S ...]
    python bench/feed_sender.py paced --venue V --rate R --frames N --burst B --out F.npy

`flood` is the simulator itself (`SimServer`, flood mode: pre-framed chunks written as
fast as the client drains them). `paced` serves one venue on one connection with the
simulator's own venue protocol (subscribe handling, acks, L1 push encoding), so the
client sees genuine venue frames, and writes exactly N data frames, B at a time, at R
frames/s on average, each frame with its own socket write. Just before each write it
records `time.time_ns()`; after the last frame it saves those stamps to F (numpy int64)
and prints `done`. The k-th stamp belongs to the k-th data frame on the connection
(acks are not data frames; there is no garbage).

Both modes print `port <n>` once listening on 127.0.0.1 and run until stdin closes,
so a parent that dies, however it dies, never leaves a sender behind. `Sender` is the
parent's handle on such a child.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
from aiohttp import WSMsgType, web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import DEFAULT_SYMBOLS
from arbot.sim.flood import text_frame
from arbot.sim.instruments import Catalog
from arbot.sim.prices import PriceModel, jiggle
from arbot.sim.server import PROTOCOLS
from arbot.sim.wire import Ctx, Sub, VenueProtocol, dumps, make_book
from bench.child import ChildProcess

HOST = "127.0.0.1"
START_S = 30.0


def exit_when_stdin_closes() -> None:
    """Exit from a thread, not the event loop: a wedged loop must not outlive the parent."""

    def watch() -> None:
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


async def flood(symbols: tuple[str, ...]) -> None:
    async with SimServer(SimConfig(host=HOST, flood=True, symbols=symbols)) as server:
        print(f"port {server.port}", flush=True)
        await asyncio.Event().wait()


class PacedSender:
    """One venue, one connection at a time, `frames` data frames at `rate`, stamped."""

    def __init__(self, venue: Venue, symbols: tuple[str, ...], rate: float, frames: int,
                 burst: int, out: Path) -> None:
        self.proto: VenueProtocol = PROTOCOLS[venue]()
        self.catalog = Catalog(symbols)
        self.model = PriceModel(self.catalog.specs, seed=0)
        self.rng = np.random.default_rng(0)
        self.rate, self.frames, self.burst, self.out = rate, frames, burst, out
        self.stamps = np.zeros(frames, dtype=np.int64)

    def app(self) -> web.Application:
        app = web.Application()
        prefix = f"/{self.proto.venue.value}"
        for path in self.proto.ws_paths:
            app.router.add_get(prefix + path.replace("{tail}", "{tail:.+}"), self.handle)
        return app

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # as the simulator's; data frames go out uncompressed
        await ws.prepare(request)
        lookup = {self.proto.venue_id(s): s for s in self.catalog.specs}
        ctx = Ctx(self.proto.conn_id(1), lookup, lambda: time.time_ns() // 1_000_000)
        prefix = f"/{self.proto.venue.value}"
        for sub in self.proto.open(request.path.removeprefix(prefix), request.query, ctx):
            ctx.subs[sub.key] = sub
        pusher = asyncio.create_task(self.push(ws, request, ctx), name="sender-push")
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    out = self.proto.handle(msg.data, ctx)
                    for reply in out.replies:  # acks first, data only after them
                        await ws.send_frame(reply, WSMsgType.TEXT)
                    for key in out.remove:
                        ctx.subs.pop(key, None)
                    for sub in out.add:
                        ctx.subs[sub.key] = sub
        finally:
            pusher.cancel()
        return ws

    def frame(self, sub: Sub, ctx: Ctx, k: int) -> bytes:
        q = jiggle(self.model.quote(self.proto.venue, sub.symbol), self.rng, k + 1)
        spec = self.catalog.by_symbol[sub.symbol]
        book = make_book(spec, self.proto.venue, sub.venue_id, q, self.proto.numbers,
                         ctx.now_ms())
        return text_frame(dumps(self.proto.push(sub, book, ctx)))

    async def push(self, ws: web.WebSocketResponse, request: web.Request, ctx: Ctx) -> None:
        transport = request.transport
        assert transport is not None
        live: list[Sub] = []
        while not live:
            await asyncio.sleep(0.001)
            live = [s for s in ctx.subs.values() if s.symbol]
        gap_ns = round(self.burst * 1e9 / self.rate)
        start = time.perf_counter_ns()
        sent = 0
        while sent < self.frames:
            # Spin (yielding to the loop) until the next burst is due: timers are too coarse
            # for 100 µs gaps, and this process has a core of its own.
            due = start + (sent // self.burst) * gap_ns
            while time.perf_counter_ns() < due:  # noqa: ASYNC110 (a deliberate spin)
                await asyncio.sleep(0)
            for _ in range(min(self.burst, self.frames - sent)):
                data = self.frame(live[sent % len(live)], ctx, sent)
                if ws.closed or transport.is_closing():
                    print(f"failed: client left after {sent} of {self.frames} frames",
                          flush=True)
                    return
                self.stamps[sent] = time.time_ns()
                transport.write(data)
                sent += 1
        np.save(self.out, self.stamps)
        print("done", flush=True)


async def paced(args: argparse.Namespace) -> None:
    sender = PacedSender(Venue(args.venue), tuple(args.symbols), args.rate, args.frames,
                         args.burst, Path(args.out))
    runner = web.AppRunner(sender.app(), handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, HOST, 0).start()
    print(f"port {runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


class Sender(ChildProcess):
    """A feed_sender.py child process (see bench/child.py)."""

    def __init__(self, *args: str) -> None:
        super().__init__(Path(__file__).resolve(), *args, name="feed_sender", start_s=START_S)

    def url(self, venue: Venue) -> str:
        return f"ws://127.0.0.1:{self.port}/{venue.value}{PROTOCOLS[venue].ws_paths[0]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["flood", "paced"])
    ap.add_argument("--symbols", nargs="+", default=list(DEFAULT_SYMBOLS))
    ap.add_argument("--venue", choices=[v.value for v in Venue])
    ap.add_argument("--rate", type=float, default=10_000.0)
    ap.add_argument("--frames", type=int, default=60_000)
    ap.add_argument("--burst", type=int, default=1)
    ap.add_argument("--out", default="send_ns.npy")
    args = ap.parse_args()
    exit_when_stdin_closes()
    if args.mode == "flood":
        asyncio.run(flood(tuple(args.symbols)))
    else:
        if not args.venue:
            ap.error("paced needs --venue")
        asyncio.run(paced(args))


if __name__ == "__main__":
    main()
