"""Private REST balances and fee rates in each venue's documented shape, the starting
account, locked funds, and fee settings taking effect."""

from __future__ import annotations

from decimal import Decimal

from arbot.domain import Venue
from arbot.sim import SimConfig
from arbot.sim.account import starting_balances
from arbot.sim.config import DEMO_CREDENTIALS, Accounts, FeeRates
from arbot.sim.instruments import spec_for
from tests.sim import running
from tests.sim.signed import Signed, read_status

FROZEN = SimConfig(tick_s=3600.0, accounts=Accounts(balances={"DOGE": Decimal(0)}))


def test_default_account_holds_quote_and_enough_base_to_sell() -> None:
    specs = [spec_for(s) for s in ("BTC-USDT", "ETH-USDT")]
    got = starting_balances(Accounts(), specs)
    assert got["USDT"] == 100_000
    assert got["BTC"] == Decimal("1.53846153") and got["ETH"] == Decimal("33.33333333")
    assert starting_balances(Accounts(balances={"BTC": Decimal(2)}), specs)["BTC"] == 2
    assert DEMO_CREDENTIALS[Venue.OKX].passphrase and not DEMO_CREDENTIALS[Venue.BINANCE].passphrase
    assert SimConfig().credentials[Venue.BYBIT].key == "arbot-demo-bybit-key"


async def test_binance_account_and_commission() -> None:
    async with running(FROZEN) as (srv, http):
        c = Signed(srv, http, Venue.BINANCE)
        body = (await c.send("GET", "/api/v3/account", {})).body
        assert (body["makerCommission"], body["takerCommission"]) == (10, 10)
        assert body["commissionRates"] == {"maker": "0.00100000", "taker": "0.00100000",
                                           "buyer": "0.00000000", "seller": "0.00000000"}
        assert (body["accountType"], body["permissions"], body["canTrade"]) == (
            "SPOT", ["SPOT"], True)
        assert {"asset": "USDT", "free": "100000.00000000", "locked": "0.00000000"} in body[
            "balances"]
        assert "DOGE" in [b["asset"] for b in body["balances"]]
        body = (await c.send("GET", "/api/v3/account", {"omitZeroBalances": "true"})).body
        assert "DOGE" not in [b["asset"] for b in body["balances"]]
        body = (await c.send("GET", "/api/v3/account/commission", {"symbol": "BTCUSDT"})).body
        assert list(body) == ["symbol", "standardCommission", "specialCommission",
                              "taxCommission", "discount"]
        assert body["standardCommission"]["taker"] == "0.00100000"
        assert body["discount"]["discountAsset"] == "BNB"


async def test_bybit_wallet_balance_and_fee_rate() -> None:
    async with running(FROZEN) as (srv, http):
        c = Signed(srv, http, Venue.BYBIT)
        body = (await c.send("GET", "/v5/account/wallet-balance",
                             {"accountType": "UNIFIED", "coin": "BTC,USDT"})).body
        account = body["result"]["list"][0]
        assert account["accountType"] == "UNIFIED" and Decimal(account["totalEquity"]) > 0
        coins = {row["coin"]: row for row in account["coin"]}
        assert set(coins) == {"BTC", "USDT"}
        assert (coins["USDT"]["walletBalance"], coins["USDT"]["locked"]) == ("100000", "0")
        assert coins["USDT"]["usdValue"] == "100000"
        bad = await c.send("GET", "/v5/account/wallet-balance", {"accountType": "SPOT"})
        assert bad.body["retCode"] == 10001
        body = (await c.send("GET", "/v5/account/fee-rate",
                             {"category": "spot", "symbol": "BTCUSDT"})).body
        assert body["result"] == {"category": "spot", "list": [
            {"symbol": "BTCUSDT", "takerFeeRate": "0.001", "makerFeeRate": "0.001"}]}


async def test_okx_balance_and_trade_fee_with_custom_rates() -> None:
    fees = {Venue.OKX: FeeRates(maker=Decimal("0.0005"), taker=Decimal("0.0007"))}
    config = SimConfig(tick_s=3600.0, accounts=Accounts(fees=fees))
    async with running(config) as (srv, http):
        c = Signed(srv, http, Venue.OKX)
        body = (await c.send("GET", "/api/v5/account/balance", {"ccy": "USDT"})).body
        assert body["code"] == "0"
        [usdt] = body["data"][0]["details"]
        assert (usdt["ccy"], usdt["availBal"], usdt["cashBal"], usdt["frozenBal"],
                usdt["eq"]) == ("USDT", "100000", "100000", "0", "100000")
        body = (await c.send("GET", "/api/v5/account/trade-fee",
                             {"instType": "SPOT", "instId": "BTC-USDT"})).body
        row = body["data"][0]
        assert (row["maker"], row["taker"], row["level"], row["instType"]) == (
            "-0.0005", "-0.0007", "Lv1", "SPOT")
        assert row["feeGroup"] == [{"groupId": "1", "maker": "-0.0005", "taker": "-0.0007"}]
        missing = await c.send("GET", "/api/v5/account/trade-fee", {})
        assert (missing.status, missing.body["code"]) == (400, "50014")
        spec = srv.catalog.by_symbol["BTC-USDT"]
        q = srv.model.quote(Venue.OKX, spec.symbol)
        ask = Decimal(q.ask).scaleb(-spec.rules[Venue.OKX].price_dp)
        await c.place(spec, "buy", ask, Decimal("0.01"), "fee-1")
        st = read_status(Venue.OKX, (await c.status(spec, "fee-1")).body)
        assert (st.fee, st.fee_asset) == (Decimal("0.000007"), "BTC")


async def test_bitget_assets_trade_rate_and_locked_funds_everywhere() -> None:
    async with running(FROZEN) as (srv, http):
        c = Signed(srv, http, Venue.BITGET)
        body = (await c.send("GET", "/api/v2/spot/account/assets", {"coin": "USDT"})).body
        assert body["code"] == "00000"
        assert [(r["coin"], r["available"], r["frozen"]) for r in body["data"]] == [
            ("USDT", "100000", "0")]
        everything = (await c.send("GET", "/api/v2/spot/account/assets",
                                   {"assetType": "all"})).body["data"]
        held = (await c.send("GET", "/api/v2/spot/account/assets", {})).body["data"]
        assert "DOGE" in [r["coin"] for r in everything] and "DOGE" not in [
            r["coin"] for r in held]
        body = (await c.send("GET", "/api/v2/common/trade-rate",
                             {"symbol": "BTCUSDT", "businessType": "spot"})).body
        assert body["data"] == {"makerFeeRate": "0.001", "takerFeeRate": "0.001"}
        spec = srv.catalog.by_symbol["BTC-USDT"]
        for venue in Venue:
            q = srv.model.quote(venue, spec.symbol)
            low = Decimal(q.bid - 100).scaleb(-spec.rules[venue].price_dp)
            await Signed(srv, http, venue).place(spec, "buy", low, Decimal("0.01"), "rest",
                                                 tif="GTC")
            assert srv.account(venue).balances["USDT"].locked == low * Decimal("0.01")
        row = (await c.send("GET", "/api/v2/spot/account/assets", {"coin": "USDT"})).body
        assert Decimal(row["data"][0]["frozen"]) > 0
        binance = (await Signed(srv, http, Venue.BINANCE).send("GET", "/api/v3/account", {}))
        usdt = next(b for b in binance.body["balances"] if b["asset"] == "USDT")
        assert Decimal(usdt["locked"]) > 0
