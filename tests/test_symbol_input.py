"""Symbols as people type them on the command line: any case, the venues' spellings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from arbot.cli import main
from arbot.exchanges.symbols import canonical_symbol
from arbot.storage.db import open_db


@pytest.mark.parametrize(("typed", "canonical"), [
    ("BTC-USDT", "BTC-USDT"), ("btc-usdt", "BTC-USDT"), ("BTCUSDT", "BTC-USDT"),
    ("ethusdc", "ETH-USDC"), (" sol/usdt ", "SOL-USDT"), ("XRP_USDT", "XRP-USDT"),
    ("ETHBTC", "ETH-BTC")])
def test_canonical(typed: str, canonical: str) -> None:
    assert canonical_symbol(typed) == canonical


@pytest.mark.parametrize("typed", ["btcxyz", "USDT", "-USDT", "BTC-", "A-B-C", ""])
def test_what_cannot_be_split_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        canonical_symbol(typed)


def test_export_takes_a_lowercase_or_venue_symbol(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "arbot.db"

    async def create() -> None:
        await (await open_db(db)).close()

    asyncio.run(create())
    for typed in ("btc-usdt", "BTCUSDT"):
        assert main(["export", "quotes", "--db", str(db), "--symbol", typed]) == 0
        assert "exported 0 quotes" in capsys.readouterr().err
    assert main(["export", "quotes", "--db", str(db), "--symbol", "btcxyz"]) == 2
