"""Transfer costs kept across restarts: each venue's last coin and network information
(migration 9), written through the one writer and read back at start.

Why they are stored: the coin endpoints are read hourly and can fail (a venue down, an
answer that is not the documented shape); a run that starts while a venue cannot be read
still knows what moving a coin off it cost the last time it could.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from arbot.coininfo import CoinNetwork
from arbot.domain import Venue
from arbot.storage.db import database_error, open_db
from arbot.storage.intake import Intake
from arbot.storage.rows import VENUE_TEXT, Row

COLUMNS = ("venue, coin, network, chain, contract, withdraw_fee, withdraw_min, deposit_open,"
            " withdraw_open, confirmations, minutes, read_ns")


def cost_row(n: CoinNetwork, read_ns: int) -> Row:
    return (VENUE_TEXT[n.venue], n.coin, n.network, n.chain, n.contract, n.withdraw_fee,
            n.withdraw_min, int(n.deposit_open), int(n.withdraw_open), n.confirmations,
            n.minutes, read_ns)


def store_costs(writer: Intake, venue: Venue, rows: list[CoinNetwork], read_ns: int) -> None:
    """Replace the venue's stored rows with `rows` (in the writer's next batch)."""
    writer.offer("transfer_costs_clear", (VENUE_TEXT[venue],))
    for n in rows:
        writer.offer("transfer_costs", cost_row(n, read_ns))


async def load_costs(path: str | Path) -> Stored:
    """Every venue's stored rows and when they were read (none for a venue never read)."""
    conn = await open_db(path, readonly=True)
    try:
        async with conn.execute(f"SELECT {COLUMNS} FROM transfer_costs") as cur:
            found = await cur.fetchall()
    except Exception as exc:  # a database that cannot be read starts with no costs
        raise database_error(exc) from exc
    finally:
        await conn.close()
    return costs_from_rows(found)


Stored = dict[Venue, tuple[list[CoinNetwork], int]]


def costs_from_rows(found: Iterable[Sequence[Any]]) -> Stored:
    """`transfer_costs` rows (in `COLUMNS` order) as each venue's networks and when the
    venue gave them (a recording's table, or an archive's copy of it)."""
    out: Stored = {}
    for (venue, coin, network, chain, contract, fee, minimum, dep, wd, conf, minutes,
         read_ns) in found:
        rows, last = out.get(Venue(venue), ([], 0))
        rows.append(CoinNetwork(venue=Venue(venue), coin=coin, network=network, chain=chain,
                                contract=contract, withdraw_fee=fee, withdraw_min=minimum,
                                deposit_open=bool(dep), withdraw_open=bool(wd),
                                confirmations=conf, minutes=minutes))
        out[Venue(venue)] = (rows, max(last, read_ns))
    return out
