"""One socket of a feed connection, so a connection can briefly own two.

A planned rotation (a venue's shutdown notice, or a connection nearing the age at which
the venue cuts it) opens a replacement socket beside the old one, and the old one is
closed only once the replacement has every subscription acknowledged and has delivered a
quote: make before break (docs/design.md, "One feed loop"). Each socket therefore keeps
its own parser, its own acknowledgement count and its own "has quoted" mark.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import NoReturn

import aiohttp

from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.resync import Resyncer


class Link:
    """A socket, what closes it, its parser and its subscription progress."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, stack: AsyncExitStack,
                 parser: FrameParser, opened_at: float) -> None:
        self.ws = ws
        self.parser = parser
        self.opened_at = opened_at  # monotonic
        self.expected_acks = 0
        self.acks = 0
        self.quoted = False
        self.lost = False  # closed or silenced while its replacement was being opened
        self.rotate_reason: str | None = None
        self.rotate = asyncio.Event()  # set when this socket should be replaced
        self.ready = asyncio.Event()  # every subscription acknowledged and a quote seen
        self.rx: asyncio.Task[NoReturn] | None = None
        # During a rotation the two sockets' streams may be apart in time, so each symbol
        # moves to the replacement at its first quote there: from then on the old socket's
        # quotes for it are ignored, or an older book arriving late on the slower socket
        # could stay on the board of a quiet symbol.
        self.successor: Link | None = None  # on the old socket: its replacement
        self.claiming = False  # on a replacement, until it takes over
        self.claimed: set[str] = set()  # symbols the replacement has quoted
        self.resyncer: Resyncer | None = None  # its depth books' resyncs (depth > 1)
        self._stack = stack

    @property
    def acked(self) -> bool:
        return self.acks >= self.expected_acks

    def ack(self) -> None:
        self.acks += 1
        self._check()

    def first_quote(self) -> None:
        self.quoted = True
        self._check()

    def ask_rotation(self, reason: str) -> None:
        """Ask for a replacement (the first reason given is kept)."""
        if not self.rotate.is_set():
            self.rotate_reason = reason
            self.rotate.set()

    def _check(self) -> None:
        if self.quoted and self.acked:
            self.ready.set()

    async def close(self) -> None:
        """Stop receiving and close the socket."""
        if self.rx is not None:
            self.rx.cancel()
            await asyncio.gather(self.rx, return_exceptions=True)
        if self.resyncer is not None:
            await self.resyncer.close()
        await self._stack.aclose()
