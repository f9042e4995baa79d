"""The book's CRC32 against the venues' own examples: OKX, "Order book channel",
"Checksum" (two books, one with a side shorter than the other) and Bitget, "Depth
Channel" (its check string), plus more asks than bids and a one-sided book."""

from __future__ import annotations

import pytest

from arbot.depth.book import L2Book
from tests.depth import crc


def book(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> L2Book:
    b = L2Book("X")
    b.replace(bids, asks)
    return b


@pytest.mark.parametrize(("bids", "asks", "expected"), [
    ([("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")], -1881014294),
    ([("3366.1", "7")], [("3366.8", "9"), ("3368", "8"), ("3372", "8")], 831078360),
    ([("43231.1", "4"), ("43231", "6")], [("43232.8", "9"), ("43232.9", "8")], -1504501796),
])
def test_documented_vectors(bids: list[tuple[str, str]], asks: list[tuple[str, str]],
                            expected: int) -> None:
    assert book(bids, asks).checksum(25) == expected


def test_only_the_top_25_count_and_a_longer_side_runs_on_alone() -> None:
    bids = [(f"{100 - i}.5", f"{i + 1}") for i in range(30)]
    asks = [(f"{101 + i}.25", "0.10") for i in range(3)]
    b = book(bids, asks)
    assert b.checksum(25) == crc(bids[:25], asks)
    assert book(bids[:4], []).checksum(25) == crc(bids[:4], [])
    assert book([], []).checksum(25) == 0
