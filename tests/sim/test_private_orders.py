"""Private REST orders over real HTTP: IOC fills at the displayed top of book, partial
fills, orders that cannot cross, status by client id, cancels, rejections and the fault
knobs, on every venue in its own words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import Accounts
from arbot.sim.instruments import SymbolSpec
from tests.sim import recv_json, running
from tests.sim.signed import FINAL_NAMES, Answer, Signed, read_status

VENUES = list(Venue)
# The market never ticks during a test, so the top of book read here is the one matched.
FROZEN = SimConfig(tick_s=3600.0, accounts=Accounts(quote_balance=Decimal(10_000_000)))
QTY = Decimal("0.001")
FEE = Decimal("0.001")  # every venue's default taker fee


def top(srv: SimServer, venue: Venue, spec: SymbolSpec) -> tuple[Decimal, ...]:
    """(bid, bid size, ask, ask size, tick, lot) as the WS feed shows them."""
    q, r = srv.model.quote(venue, spec.symbol), spec.rules[venue]
    tick, lot = Decimal(1).scaleb(-r.price_dp), Decimal(1).scaleb(-r.qty_dp)
    return q.bid * tick, q.bid_qty * lot, q.ask * tick, q.ask_qty * lot, tick, lot


def code_of(venue: Venue, ans: Answer) -> tuple[int, Any]:
    """(HTTP status, the venue's error code for one order)."""
    body = ans.body
    if venue is Venue.BYBIT:
        return ans.status, body["retCode"]
    if venue is Venue.OKX and body["code"] == "1":
        return ans.status, body["data"][0]["sCode"]
    return ans.status, body["code"]


def accepted(venue: Venue, ans: Answer, client_id: str) -> None:
    """The documented success shape of a place-order answer."""
    body = ans.body
    assert ans.status == 200, body
    if venue is Venue.BINANCE:
        assert body["clientOrderId"] == client_id and isinstance(body["orderId"], int)
        assert body["orderListId"] == -1 and "fills" in body
    elif venue is Venue.BYBIT:
        assert body["retCode"] == 0 and body["retMsg"] == "OK"
        assert list(body["result"]) == ["orderId", "orderLinkId"]
        assert body["result"]["orderLinkId"] == client_id
    elif venue is Venue.OKX:
        assert body["code"] == "0" and body["data"][0]["sCode"] == "0"
        assert body["data"][0]["clOrdId"] == client_id and body["data"][0]["ordId"]
        assert "inTime" in body and "outTime" in body
    else:
        assert body["code"] == "00000" and body["msg"] == "success"
        assert body["data"]["clientOid"] == client_id and body["data"]["orderId"]


@pytest.mark.parametrize("venue", VENUES)
async def test_ioc_buy_fills_at_the_ask_and_moves_balances_by_fill_and_fee(venue: Venue) -> None:
    async with running(FROZEN) as (srv, http):
        c, spec = Signed(srv, http, venue), srv.catalog.by_symbol["BTC-USDT"]
        _, _, ask, _, tick, _ = top(srv, venue, spec)
        before = srv.account(venue).balances
        accepted(venue, await c.place(spec, "buy", ask + 5 * tick, QTY, "buy-1"), "buy-1")
        st = read_status(venue, (await c.status(spec, "buy-1")).body)
        assert (st.state, st.filled, st.quote) == (FINAL_NAMES[venue][0], QTY, ask * QTY)
        if venue is not Venue.BINANCE:
            assert st.fee == QTY * FEE
        after = srv.account(venue).balances
        assert after["USDT"].free == before["USDT"].free - ask * QTY
        assert after["BTC"].free == before["BTC"].free + QTY - QTY * FEE


@pytest.mark.parametrize("venue", VENUES)
async def test_ioc_sell_fills_at_the_bid_and_pays_the_fee_in_quote(venue: Venue) -> None:
    async with running(FROZEN) as (srv, http):
        c, spec = Signed(srv, http, venue), srv.catalog.by_symbol["BTC-USDT"]
        bid, _, _, _, tick, _ = top(srv, venue, spec)
        before = srv.account(venue).balances
        accepted(venue, await c.place(spec, "sell", bid - 3 * tick, QTY, "sell-1"), "sell-1")
        st = read_status(venue, (await c.status(spec, "sell-1")).body)
        assert (st.filled, st.quote) == (QTY, bid * QTY)
        after = srv.account(venue).balances
        assert after["BTC"].free == before["BTC"].free - QTY
        assert after["USDT"].free == before["USDT"].free + bid * QTY * (1 - FEE)


async def test_binance_full_answer_has_the_fill_at_the_pushed_ask_with_commission() -> None:
    async with running(FROZEN) as (srv, http):
        c, spec = Signed(srv, http, Venue.BINANCE), srv.catalog.by_symbol["BTC-USDT"]
        async with http.ws_connect(srv.ws_urls(Venue.BINANCE)[0] + "/btcusdt@bookTicker") as ws:
            push = await recv_json(ws)
        ans = await c.place(spec, "buy", Decimal(push["a"]) + 1, QTY, "full-1")
        body = ans.body
        assert (body["status"], body["type"], body["timeInForce"]) == ("FILLED", "LIMIT", "IOC")
        assert body["executedQty"] == "0.00100000" and body["workingTime"] > 0
        fill = body["fills"][0]
        assert fill["price"] == push["a"] and fill["qty"] == "0.00100000"
        assert (fill["commission"], fill["commissionAsset"]) == ("0.00000100", "BTC")
        assert isinstance(fill["tradeId"], int)
        ack = await c.place(spec, "buy", Decimal(push["a"]) + 1, QTY, "ack-1",
                            newOrderRespType="ACK")
        assert list(ack.body) == ["symbol", "orderId", "orderListId", "clientOrderId",
                                  "transactTime"]
        by_id = await c.send("GET", "/api/v3/order", {"symbol": "BTCUSDT",
                                                       "orderId": body["orderId"]})
        assert by_id.body["clientOrderId"] == "full-1" and by_id.body["isWorking"] is True


@pytest.mark.parametrize("venue", VENUES)
async def test_partial_fill_when_quantity_exceeds_the_displayed_size(venue: Venue) -> None:
    async with running(FROZEN) as (srv, http):
        c, spec = Signed(srv, http, venue), srv.catalog.by_symbol["BTC-USDT"]
        _, _, ask, size, tick, lot = top(srv, venue, spec)
        qty = size + 10 * lot
        accepted(venue, await c.place(spec, "buy", ask + tick, qty, "big-1"), "big-1")
        st = read_status(venue, (await c.status(spec, "big-1")).body)
        assert (st.state, st.filled, st.quote) == (FINAL_NAMES[venue][1], size, ask * size)


@pytest.mark.parametrize("venue", VENUES)
async def test_ioc_that_cannot_cross_expires_unfilled(venue: Venue) -> None:
    async with running(FROZEN) as (srv, http):
        c, spec = Signed(srv, http, venue), srv.catalog.by_symbol["BTC-USDT"]
        bid = top(srv, venue, spec)[0]
        before = srv.account(venue).balances
        accepted(venue, await c.place(spec, "buy", bid, QTY, "low-1"), "low-1")
        st = read_status(venue, (await c.status(spec, "low-1")).body)
        assert (st.state, st.filled) == (FINAL_NAMES[venue][2], Decimal(0))
        assert srv.account(venue).balances == before
        assert srv.account(venue).order("low-1") is not None


CANNOT_CANCEL = {Venue.BINANCE: (400, -2011), Venue.BYBIT: (200, 170213),
                 Venue.OKX: (200, "51400"), Venue.BITGET: (400, "43004")}
OPEN_NAMES = {Venue.BINANCE: "NEW", Venue.BYBIT: "New", Venue.OKX: "live",
              Venue.BITGET: "live"}
CANCELED_NAMES = {Venue.BINANCE: "CANCELED", Venue.BYBIT: "Cancelled", Venue.OKX: "canceled",
                  Venue.BITGET: "cancelled"}


@pytest.mark.parametrize("venue", VENUES)
async def test_gtc_rests_with_funds_locked_until_cancelled_and_ioc_cannot_be(venue: Venue
                                                                             ) -> None:
    async with running(FROZEN) as (srv, http):
        c, spec = Signed(srv, http, venue), srv.catalog.by_symbol["BTC-USDT"]
        bid, _, ask, _, tick, _ = top(srv, venue, spec)
        price = bid - 100 * tick
        usdt = srv.account(venue).balances["USDT"]
        accepted(venue, await c.place(spec, "buy", price, QTY, "gtc-1", tif="GTC"), "gtc-1")
        st = read_status(venue, (await c.status(spec, "gtc-1")).body)
        assert (st.state, st.filled) == (OPEN_NAMES[venue], Decimal(0))
        held = srv.account(venue).balances["USDT"]
        assert (held.free, held.locked) == (usdt.free - price * QTY, price * QTY)
        done = await c.cancel(spec, "gtc-1")
        assert done.status == 200, done.body
        st = read_status(venue, (await c.status(spec, "gtc-1")).body)
        assert st.state == CANCELED_NAMES[venue]
        assert srv.account(venue).balances["USDT"] == usdt
        assert code_of(venue, await c.cancel(spec, "gtc-1")) == CANNOT_CANCEL[venue]
        accepted(venue, await c.place(spec, "buy", ask, QTY, "ioc-1"), "ioc-1")
        assert code_of(venue, await c.cancel(spec, "ioc-1")) == CANNOT_CANCEL[venue]
        unknown = (400, "43001") if venue is Venue.BITGET else CANNOT_CANCEL[venue]
        assert code_of(venue, await c.cancel(spec, "never-sent")) == unknown


REJECTIONS: dict[Venue, dict[str, tuple[int, Any]]] = {
    Venue.BINANCE: {"tick": (400, -1013), "lot": (400, -1013), "small": (400, -1013),
                    "funds": (400, -2010), "duplicate": (400, -2010)},
    Venue.BYBIT: {"tick": (200, 170134), "lot": (200, 170137), "small": (200, 170140),
                  "funds": (200, 170131), "duplicate": (200, 170141)},
    Venue.OKX: {"tick": (200, "51000"), "lot": (200, "51121"), "small": (200, "51020"),
                "funds": (200, "51008"), "duplicate": (200, "51016")},
    Venue.BITGET: {"tick": (400, "40020"), "lot": (400, "40020"), "small": (400, "45110"),
                   "funds": (400, "43012"), "duplicate": (400, "40786")},
}
SMALL = {Venue.BINANCE: "0.00002", Venue.BYBIT: "0.00002", Venue.OKX: "0.000005",
         Venue.BITGET: "0.00001"}
"""Below the minimum notional (Binance, Bybit, Bitget) or OKX's minSz."""


@pytest.mark.parametrize("venue", VENUES)
async def test_rejections_use_the_venue_codes_and_leave_balances_alone(venue: Venue) -> None:
    async with running(FROZEN) as (srv, http):
        c, spec = Signed(srv, http, venue), srv.catalog.by_symbol["BTC-USDT"]
        bid, _, ask, _, tick, lot = top(srv, venue, spec)
        before = srv.account(venue).balances
        cases = {"tick": (ask + tick / 10, QTY), "lot": (ask, QTY + lot / 10),
                 "small": (ask, Decimal(SMALL[venue])), "funds": (ask, Decimal(1000))}
        for name, (price, qty) in cases.items():
            ans = await c.place(spec, "buy", price, qty, f"bad-{name}")
            assert code_of(venue, ans) == REJECTIONS[venue][name], (name, ans.body)
        assert srv.account(venue).balances == before and not srv.account(venue).orders
        accepted(venue, await c.place(spec, "buy", bid - tick, QTY, "dup", tif="GTC"), "dup")
        ans = await c.place(spec, "buy", bid - tick, QTY, "dup", tif="GTC")
        assert code_of(venue, ans) == REJECTIONS[venue]["duplicate"], ans.body


async def test_rejection_messages_are_the_documented_ones() -> None:
    async with running(FROZEN) as (srv, http):
        spec = srv.catalog.by_symbol["BTC-USDT"]
        ask = top(srv, Venue.BINANCE, spec)[2]
        c = Signed(srv, http, Venue.BINANCE)
        ans = await c.place(spec, "buy", ask, Decimal(1000), "x")
        assert ans.body == {"code": -2010,
                            "msg": "Account has insufficient balance for requested action."}
        ans = await c.place(spec, "buy", ask, Decimal("0.00002"), "y")
        assert ans.body == {"code": -1013, "msg": "Filter failure: NOTIONAL"}
        okx = Signed(srv, http, Venue.OKX)
        ans = await okx.place(spec, "buy", top(srv, Venue.OKX, spec)[2], Decimal(1000), "z")
        assert ans.body["msg"] == "All operations failed"
        assert ans.body["data"][0]["sMsg"] == "Order failed. Insufficient USDT balance in account"
        market = await c.send("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY",
                                                        "type": "MARKET", "quantity": "0.001"})
        assert market.body == {"code": -1116, "msg": "Invalid orderType."}


FORCED: dict[Venue, tuple[int | str, str]] = {Venue.BINANCE: (-2010, "New order rejected."),
          Venue.BYBIT: (170210, "New order rejected."),
          Venue.OKX: ("51009", "Order blocked."), Venue.BITGET: ("43002", "Pending order failed")}


@pytest.mark.parametrize("venue", VENUES)
async def test_knobs_force_a_reject_then_a_partial_fill(venue: Venue) -> None:
    async with running(FROZEN) as (srv, http):
        c, spec = Signed(srv, http, venue), srv.catalog.by_symbol["BTC-USDT"]
        _, _, ask, _, tick, _ = top(srv, venue, spec)
        code, msg = FORCED[venue]
        srv.reject_orders(venue, code, msg, count=2)
        for n in range(2):
            ans = await c.place(spec, "buy", ask + tick, QTY, f"forced-{n}")
            assert code_of(venue, ans)[1] == code, ans.body
        srv.cap_fills(venue, 0.5)
        accepted(venue, await c.place(spec, "buy", ask + tick, QTY, "half"), "half")
        st = read_status(venue, (await c.status(spec, "half")).body)
        assert (st.state, st.filled) == (FINAL_NAMES[venue][1], QTY / 2)
        accepted(venue, await c.place(spec, "buy", ask + tick, QTY, "whole"), "whole")
        assert read_status(venue, (await c.status(spec, "whole")).body).filled == QTY
        view = srv.account(venue)
        assert [o.client_id for o in view.orders] == ["half", "whole"]
