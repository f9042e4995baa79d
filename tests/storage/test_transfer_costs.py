"""Transfer costs (migration 9) written through the writer and read back: a venue's rows
are replaced whole, so a network the venue no longer lists does not linger."""

from __future__ import annotations

from pathlib import Path

from arbot.coininfo import CoinNetwork
from arbot.domain import Venue
from arbot.storage.db import open_db
from arbot.storage.transfercosts import load_costs, store_costs
from arbot.storage.writer import Writer


def row(network: str, fee: float, venue: Venue = Venue.OKX) -> CoinNetwork:
    return CoinNetwork(venue=venue, coin="USDT", network=network, chain=network, contract="",
                       withdraw_fee=fee, withdraw_min=1.0, deposit_open=True,
                       withdraw_open=False, confirmations=3, minutes=2.0)


async def test_costs_round_trip_and_replace_a_venue_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    conn = await open_db(path)
    async with Writer(conn, flush_ms=10) as writer:
        store_costs(writer, Venue.OKX, [row("ETH", 4.0), row("TRX", 1.0)], 100)
        store_costs(writer, Venue.BYBIT, [row("SOL", 1.0, Venue.BYBIT)], 150)
        await writer.flush()
        store_costs(writer, Venue.OKX, [row("TRX", 0.5)], 200)
        await writer.flush()
    await conn.close()
    loaded = await load_costs(path)
    okx, read_ns = loaded[Venue.OKX]
    assert okx == [row("TRX", 0.5)] and read_ns == 200
    assert loaded[Venue.BYBIT] == ([row("SOL", 1.0, Venue.BYBIT)], 150)
