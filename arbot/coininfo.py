"""Coin and network information: what moving one coin off one venue costs, and whether it
can move at all.

Each venue publishes, per coin and network, the withdrawal fee and minimum, whether
deposits and withdrawals are open, the confirmations and the token's contract address
(docs/inventory.md, "Transfer costs"). They name the same network differently (Binance
`ETH`, OKX `USDT-ERC20`, Bitget `ERC20`, Binance's long name `Ethereum (ERC20)`), so each
row also carries `chain`, a name shared across venues, and networks are matched by
contract address where the venue publishes one and by `chain` for a native coin.
"""

from __future__ import annotations

import re

import msgspec

from arbot.domain import Venue


class CoinNetwork(msgspec.Struct, frozen=True, kw_only=True):
    """One coin on one network at one venue. Fees and minimums are in the coin."""

    venue: Venue
    coin: str
    network: str  # the venue's own name for the network
    chain: str  # the shared name (`chain_key`), what networks are matched by
    contract: str  # lower case; "" for a chain's native coin
    withdraw_fee: float
    withdraw_min: float
    deposit_open: bool
    withdraw_open: bool
    confirmations: int
    minutes: float = 0.0  # the venue's expected arrival time where it gives one, else 0

    @property
    def movable(self) -> bool:
        """Both ways open: a transfer can leave this venue and one can arrive."""
        return self.deposit_open and self.withdraw_open


# The venues' names for the same chain, all mapped to one. The token standard names
# (ERC20, BEP20, TRC20) and the long names come from the venues' own coin lists.
_ALIASES = {
    "ERC20": "ETH", "ETHEREUM": "ETH", "ETHEREUMERC20": "ETH",
    "BEP20": "BSC", "BNBSMARTCHAIN": "BSC", "BNBSMARTCHAINBEP20": "BSC",
    "TRC20": "TRX", "TRON": "TRX", "TRONTRC20": "TRX",
    "BITCOIN": "BTC", "SOLANA": "SOL", "SPL": "SOL", "RIPPLE": "XRP", "XRPLEDGER": "XRP",
    "ARBITRUMONE": "ARBITRUM", "ARBONE": "ARBITRUM", "ARBI": "ARBITRUM",
    "POLYGON": "MATIC", "POLYGONPOS": "MATIC", "OPTIMISM": "OP",
    "MANTLENETWORK": "MANTLE",
}
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def chain_key(name: str, coin: str = "") -> str:
    """The shared name of a venue's network name: OKX's `<coin>-` prefix dropped, case
    and punctuation ignored, the known aliases mapped (`Ethereum (ERC20)` -> `ETH`)."""
    text = name.upper()
    if coin and text.startswith(coin.upper() + "-"):
        text = text[len(coin) + 1:]
    squashed = _NOT_ALNUM.sub("", text)
    return _ALIASES.get(squashed, squashed)


CoinTable = dict[str, list[CoinNetwork]]  # coin -> its networks on one venue


def by_coin(rows: list[CoinNetwork]) -> CoinTable:
    table: CoinTable = {}
    for row in rows:
        table.setdefault(row.coin, []).append(row)
    return table
