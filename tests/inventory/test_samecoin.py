"""Same ticker, same coin: a pair whose base asset is another token on one venue (another
contract on the network they share), or whose deposits or withdrawals are closed there,
is refused with the reason; the detector counts it as `not_same_coin`; and in a running
demo whose simulator fakes a coin, the pair never trades and the venue says why."""

from __future__ import annotations

import asyncio
from pathlib import Path

from arbot.coininfo import CoinNetwork
from arbot.config import ArbotSettings
from arbot.domain import Venue
from arbot.engine.board import VENUE_INDEX
from arbot.exchanges.coins import CoinBook
from arbot.headless import status_lines
from arbot.inventory.pairing import pair_rules
from arbot.inventory.routes import same_coin
from arbot.runtime import Runtime
from arbot.sim import SimConfig
from arbot.sim.coins import CoinTweaks
from arbot.sim.config import Dislocations
from tests.conftest import until

BN, OK = Venue.BINANCE, Venue.OKX
USDT_ETH = "0xdac17f958d2ee523a2206206994597c13d831ec7"


def net(venue: Venue, coin: str, chain: str, contract: str = "", fee: float = 1.0, *,
        deposit: bool = True, withdraw: bool = True) -> CoinNetwork:
    return CoinNetwork(venue=venue, coin=coin, network=chain, chain=chain, contract=contract,
                       withdraw_fee=fee, withdraw_min=0.0, deposit_open=deposit,
                       withdraw_open=withdraw, confirmations=1)


def book(*rows: CoinNetwork) -> CoinBook:
    b = CoinBook()
    for venue in {r.venue for r in rows}:
        b.update(venue, [r for r in rows if r.venue is venue], 1)
    return b


def test_same_contract_on_a_shared_chain_is_the_same_coin() -> None:
    b = book(net(BN, "USDT", "ETH", USDT_ETH), net(OK, "USDT", "ETH", USDT_ETH),
             net(OK, "USDT", "TRX", "t"))
    assert same_coin(b, "USDT", BN, OK) == ""


def test_another_contract_under_the_same_ticker_is_refused() -> None:
    b = book(net(BN, "PEPE", "ETH", "0xaaa"), net(OK, "PEPE", "ETH", "0xbbb"))
    why = same_coin(b, "PEPE", BN, OK)
    assert "not the same token" in why and "0xaaa" in why and "0xbbb" in why


def test_closed_deposits_or_withdrawals_on_the_shared_network_are_refused() -> None:
    for closed in ({"deposit": False}, {"withdraw": False}):
        b = book(net(BN, "BTC", "BTC"), net(OK, "BTC", "BTC", **closed))  # type: ignore[arg-type]
        assert "closed" in same_coin(b, "BTC", BN, OK)
    # open on another shared network: fine
    b = book(net(BN, "ETH", "ETH"), net(BN, "ETH", "ARBITRUM"),
             net(OK, "ETH", "ETH", deposit=False), net(OK, "ETH", "ARBITRUM"))
    assert same_coin(b, "ETH", BN, OK) == ""


def test_nothing_published_is_not_refused() -> None:
    assert same_coin(book(net(BN, "BTC", "BTC")), "BTC", BN, OK) == ""


def test_the_rules_refuse_both_directions_and_cost_the_others() -> None:
    settings = ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT", "PEPE-USDT"]},
        "exchanges": {"bybit": {"enabled": False}, "bitget": {"enabled": False}}})
    b = book(net(BN, "PEPE", "ETH", "0xaaa"), net(OK, "PEPE", "ETH", "0xbbb"),
             net(BN, "BTC", "BTC"), net(OK, "BTC", "BTC"))
    venues = settings.exchanges.enabled_venues()
    pepe = pair_rules("PEPE-USDT", venues, b, settings)
    pair = (VENUE_INDEX[BN], VENUE_INDEX[OK])
    assert set(pepe.refused) == {pair, pair[::-1]}
    btc = pair_rules("BTC-USDT", venues, b, settings)
    assert btc.refused == {} and btc.costs == {}  # no USDT networks known: not costed


async def test_a_faked_coin_is_never_compared_and_the_venue_says_why(tmp_path: Path) -> None:
    settings = ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT", "ETH-USDT"]},
        "storage": {"path": str(tmp_path / "a.db")}, "trading": {"mode": "off"}})
    sim = SimConfig(symbols=("BTC-USDT", "ETH-USDT"), rate=100,
                    dislocations=Dislocations(rate_per_s=4.0, size_bps=60.0, life_s=1.0),
                    coins=CoinTweaks(fake={OK: frozenset({"ETH"})}))
    stop = asyncio.Event()
    async with Runtime(settings, demo=True, sim_config=sim) as rt:
        task = asyncio.create_task(rt.run(stop))
        try:
            assert rt.inventory is not None and rt.engine is not None
            engine = rt.engine
            await until(lambda: engine.funnel.not_same_coin > 0, "a refused cross", wait_s=30)
            assert any("ETH is not the same token" in n for n in rt.inventory.refused[OK])
            assert rt.inventory.refused[BN]  # the other side of the pair says it too
            opened = [k for k in engine.episodes.open if k[0] == "ETH-USDT" and OK in k[1:]]
            assert opened == []
            assert any("REFUSED" in line and "ETH" in line for line in status_lines(rt))
        finally:
            stop.set()
            await task
