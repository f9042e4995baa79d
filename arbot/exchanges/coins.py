"""Each venue's coin and network information, read periodically and kept when a read fails.

Why periodically, and hourly by default (`[inventory] refresh_s`): withdrawal fees and
suspended networks change a few times a day (a congested chain, a wallet upgrade), not by
the second, while the endpoints are heavy (one venue weighs the call 10 against the
budget the trader's orders share) and mostly signed. An hour keeps the costs and the
same-coin checks current without spending what trading needs; a trader who wants a
suspended network noticed sooner lowers it (60 s at least).

A failed read (a venue down, an answer missing fields or with text where a number goes)
changes nothing: the last known rows stay in place, and the venue's `problem` says what
failed and how old the kept rows are.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from arbot.coininfo import CoinNetwork, CoinTable, by_coin
from arbot.domain import Venue
from arbot.exchanges.base import Adapter
from arbot.exchanges.private import PrivateClient
from arbot.exchanges.rest import RestClient

log = logging.getLogger("arbot.coins")

RETRY_S = 60.0  # a venue whose read failed is tried again this soon
CoinReader = Callable[[], Awaitable[list[CoinNetwork]]]
OnRead = Callable[[Venue, list[CoinNetwork], int], None]


class CoinBook:
    """Each venue's last known coin information, when it was read, and why the latest
    read failed ("" when it did not)."""

    def __init__(self) -> None:
        self.tables: dict[Venue, CoinTable] = {}
        self.read_ns: dict[Venue, int] = {}
        self.problems: dict[Venue, str] = {}
        self.version = 0  # counts changes, so a user of the tables knows to recompute

    def update(self, venue: Venue, rows: list[CoinNetwork], read_ns: int) -> None:
        self.tables[venue] = by_coin(rows)
        self.read_ns[venue] = read_ns
        self.problems[venue] = ""
        self.version += 1

    def failed(self, venue: Venue, why: str) -> None:
        self.problems[venue] = why
        self.version += 1

    def networks(self, venue: Venue, coin: str) -> list[CoinNetwork]:
        return self.tables.get(venue, {}).get(coin.upper(), [])

    def known(self, venue: Venue) -> bool:
        return venue in self.tables


def coin_reader(adapter: Adapter, public: RestClient, private: PrivateClient | None
                ) -> CoinReader | str:
    """How to read the venue's coin information, or why it cannot be read (a signed
    endpoint and no API keys)."""
    if not adapter.coins_signed:
        return public.fetch_coins
    if private is None:
        return (f"{adapter.venue}'s coin information needs API keys (a signed endpoint): "
                "transfer costs unknown")
    return private.coins


async def read_once(book: CoinBook, venue: Venue, reader: CoinReader, on_read: OnRead,
                    wall_ns: Callable[[], int] = time.time_ns) -> None:
    """One read; on failure the last known rows stay and the venue's problem says so."""
    try:
        rows = await reader()
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a venue down or a bad answer: keep what is known
        kept = book.read_ns.get(venue)
        age = (f"keeping the costs read {(wall_ns() - kept) / 60e9:.0f} min ago"
               if kept is not None else "no costs known yet")
        book.failed(venue, f"coin information not read ({exc}); {age}")
        log.warning("%s", book.problems[venue])
        return
    now = wall_ns()
    book.update(venue, rows, now)
    on_read(venue, rows, now)
    log.info("%s coin information: %d networks of %d coins", venue, len(rows),
             len(book.tables[venue]))


async def read_all(book: CoinBook, readers: Mapping[Venue, CoinReader], on_read: OnRead
                   ) -> None:
    await asyncio.gather(*(read_once(book, v, r, on_read) for v, r in readers.items()))


async def keep_reading(book: CoinBook, readers: Mapping[Venue, CoinReader], every_s: float,
                       on_read: OnRead, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
                       ) -> None:
    """Read every venue every `every_s` seconds (the first read is the caller's, at
    start), until cancelled; while a venue's last read failed, every `RETRY_S` at most."""
    while True:
        failed = any(book.problems.get(v) for v in readers)
        await sleep(min(every_s, RETRY_S) if failed else every_s)
        await read_all(book, readers, on_read)
