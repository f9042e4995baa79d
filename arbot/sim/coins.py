"""The simulator's coin and network information: what each venue's coin endpoint serves
(`<venue>/sim_coins.py` words it in the venue's own shape).

Every asset of the served symbols gets the networks it has in the market (a stablecoin on
Ethereum, Tron and Solana, a chain's native coin on its chain), with plausible withdrawal
fees that differ a little per venue, so the cheapest route depends on where a coin leaves.
Two knobs rehearse what `arbot` must refuse or route around: `fake` lists coins a venue
serves as another token under the same ticker (another contract address), `closed` the
(coin, chain) networks whose deposits and withdrawals a venue has suspended. Both can be
set in `SimConfig.coins` or changed while the server runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from arbot.domain import Venue


@dataclass(frozen=True)
class SimNetwork:
    """One coin on one network at one venue. `chain` is the simulator's own name for the
    network (ETH, TRX, SOL, BTC, XRP, ARBITRUM); each venue's module names it its way."""

    coin: str
    chain: str
    contract: str
    withdraw_fee: Decimal
    withdraw_min: Decimal
    deposit: bool = True
    withdraw: bool = True
    confirmations: int = 12
    minutes: int = 5


@dataclass(frozen=True)
class CoinTweaks:
    """Per venue: coins served as a different token, and (coin, chain) networks closed."""

    fake: Mapping[Venue, frozenset[str]] = field(default_factory=dict)
    closed: Mapping[Venue, frozenset[tuple[str, str]]] = field(default_factory=dict)


# (chain, contract, fee, minimum, confirmations, minutes) per asset; the contracts are the
# tokens' real ones (USDT on Ethereum, Tron and Solana; USDC on Ethereum and Solana). BTC's
# fee and minimum are one venue's documentation example; the rest are of the order the
# venues charge.
_NETWORKS: dict[str, tuple[tuple[str, str, str, str, int, int], ...]] = {
    "USDT": (("ETH", "0xdac17f958d2ee523a2206206994597c13d831ec7", "4", "10", 12, 5),
             ("TRX", "tr7nhqjekqxgtci8q8zy4pl8otszgjlj6t", "1", "10", 20, 2),
             ("SOL", "es9vmfrzacermjfrf4h2fyd4kconky11mcce8benwnyb", "1", "5", 1, 1)),
    "USDC": (("ETH", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "4", "10", 12, 5),
             ("SOL", "epjfwdd5aufqssqem2qn1xzybapc8g4weggkzwytdt1v", "1", "5", 1, 1)),
    "BTC": (("BTC", "", "0.00005", "0.0005", 2, 30),),
    "ETH": (("ETH", "", "0.0015", "0.01", 12, 5), ("ARBITRUM", "", "0.0001", "0.001", 12, 2)),
    "SOL": (("SOL", "", "0.01", "0.1", 1, 1),),
    "XRP": (("XRP", "", "0.25", "20", 1, 1),),
}


def _fee_factor(venue: Venue) -> Decimal:
    """The table's fees times this on `venue` (1, 1.2, 1.4, ... in registry order): the
    same route costs more off some venues, so the cheapest one depends on the venue."""
    return 1 + Decimal(list(Venue).index(venue)) / 5


def text(value: Decimal) -> str:
    """A fee or minimum as the venues write it: plain digits, no exponent."""
    return format(value.normalize(), "f")


def wanted(coins: Iterable[SimNetwork], coin: str | None) -> list[SimNetwork]:
    """The rows of one coin (the endpoints' optional `coin`/`ccy` filter), else all."""
    return [n for n in coins if coin in (None, n.coin)]


def _contract(seed: str) -> str:
    return "0x" + hashlib.sha256(seed.encode()).hexdigest()[:40]


def _networks(coin: str, venue: Venue) -> list[SimNetwork]:
    rows = _NETWORKS.get(coin) or (("ETH", _contract(coin), "1", "1", 12, 5),)
    factor = _fee_factor(venue)
    return [SimNetwork(coin, chain, contract, Decimal(fee) * factor, Decimal(minimum),
                       confirmations=conf, minutes=minutes)
            for chain, contract, fee, minimum, conf, minutes in rows]


class SimCoins:
    """Each venue's coin table now, for the assets of the served symbols."""

    def __init__(self, assets: Iterable[str], tweaks: CoinTweaks | None = None) -> None:
        self.assets = tuple(dict.fromkeys(assets))
        tweaks = tweaks or CoinTweaks()
        self.fake: dict[Venue, set[str]] = {v: set(tweaks.fake.get(v, ())) for v in Venue}
        self.closed: dict[Venue, set[tuple[str, str]]] = {
            v: set(tweaks.closed.get(v, ())) for v in Venue}

    def table(self, venue: Venue) -> list[SimNetwork]:
        out = []
        for coin in self.assets:
            for n in _networks(coin, venue):
                if coin in self.fake[venue]:  # the same ticker, another token
                    n = replace(n, contract=_contract(f"fake {coin} {n.chain}"))
                if (coin, n.chain) in self.closed[venue]:
                    n = replace(n, deposit=False, withdraw=False)
                out.append(n)
        return out

    def fake_coin(self, venue: Venue, coin: str, fake: bool = True) -> None:
        """Serve `coin` on `venue` as another token of the same name (or stop)."""
        (self.fake[venue].add if fake else self.fake[venue].discard)(coin)

    def close_network(self, venue: Venue, coin: str, chain: str, closed: bool = True) -> None:
        """Suspend deposits and withdrawals of `coin` on `chain` at `venue` (or reopen)."""
        (self.closed[venue].add if closed else self.closed[venue].discard)((coin, chain))
