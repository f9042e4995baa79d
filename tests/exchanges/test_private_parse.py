"""Each venue's signed-REST answers (documentation examples and ccxt recordings, see
tests/fixtures/SOURCES.md) into OrderReport / Balance / FeeRates, and each documented
error code to its kind."""

from __future__ import annotations

import json

import pytest

from arbot.domain import Balance, FeeRates, OrderReport, OrderStatus, Venue
from arbot.exchanges import adapter_for
from arbot.exchanges.orderwire import OrderRef
from arbot.exchanges.restspec import RestErrorKind
from tests.exchanges import FIXTURES

K = RestErrorKind
S = OrderStatus


def body(venue: Venue, name: str) -> bytes:
    return (FIXTURES / venue.value / "private" / name).read_bytes()


def edited(venue: Venue, name: str, **changes: object) -> bytes:
    """A fixture with fields of its first order row changed (for states the docs show
    no example of)."""
    obj = json.loads(body(venue, name))
    rows = obj["result"]["list"] if venue is Venue.BYBIT else obj["data"]
    rows[0].update(changes)
    return json.dumps(obj).encode()


# --- Binance ------------------------------------------------------------------------------

def test_binance_full_answer_sums_the_fills() -> None:
    a = adapter_for(Venue.BINANCE)
    r = a.parse_place(body(Venue.BINANCE, "DOCS_order_FULL.json"), OrderRef("BTCUSDT", "x"))
    assert (r.client_id, r.venue_order_id, r.status) == ("6gCrw2kRUAF9CvJDGP16IP", "28",
                                                         S.FILLED)
    assert r.filled_qty == 10.0
    assert r.avg_price == pytest.approx((4000 + 3999 * 5 + 3998 * 2 + 3997 + 3995) / 10)
    assert r.fee == pytest.approx(4.0 + 19.995 + 7.996 + 3.997 + 3.995)
    assert r.fee_asset == "USDT" and r.error == ""


def test_binance_recorded_answer_with_string_ids() -> None:
    r = adapter_for(Venue.BINANCE).parse_place(
        body(Venue.BINANCE, "CCXT_createOrder_spot_SOLUSDT.json"), OrderRef("SOLUSDT", "x"))
    assert r == OrderReport(client_id="x-R4BD3S824d31be3228a348eaa0a303",
                            venue_order_id="9780331417", status=S.NEW)


def test_binance_ioc_remainder_expires_and_mixed_fee_assets_keep_the_first() -> None:
    obj = json.loads(body(Venue.BINANCE, "DOCS_order_FULL.json"))
    obj.update(status="EXPIRED", executedQty="2.00000000")
    obj["fills"] = [
        {"price": "100", "qty": "1", "commission": "0.1", "commissionAsset": "USDT"},
        {"price": "102", "qty": "1", "commission": "0.0003", "commissionAsset": "BNB"}]
    r = adapter_for(Venue.BINANCE).parse_place(json.dumps(obj).encode(), OrderRef("A", "x"))
    assert (r.status, r.filled_qty, r.avg_price) == (S.EXPIRED, 2.0, 101.0)
    assert (r.fee, r.fee_asset) == (0.1, "USDT")


def test_binance_query_and_cancel_answers() -> None:
    a = adapter_for(Venue.BINANCE)
    ref = OrderRef("LTCBTC", "myOrder1")
    query = a.parse_status(body(Venue.BINANCE, "DOCS_order_query.json"), ref)
    assert query == OrderReport(client_id="myOrder1", venue_order_id="1", status=S.NEW)
    assert query is not None and type(query.fee) is float and type(query.avg_price) is float
    # the answer's clientOrderId is the cancel's own id; ours is origClientOrderId
    assert a.parse_cancel(body(Venue.BINANCE, "DOCS_order_cancel.json"), ref) == \
        OrderReport(client_id="myOrder1", venue_order_id="4", status=S.CANCELED)
    partly = json.loads(body(Venue.BINANCE, "DOCS_order_query.json"))
    partly.update(status="PARTIALLY_FILLED", executedQty="0.5", cummulativeQuoteQty="0.06")
    r = a.parse_status(json.dumps(partly).encode(), ref)
    assert r is not None and (r.status, r.filled_qty, r.fee, r.fee_asset) == (
        S.PARTIALLY_FILLED, 0.5, 0.0, "")
    assert r.avg_price == pytest.approx(0.12)


def test_binance_balances_and_fee_rates() -> None:
    a = adapter_for(Venue.BINANCE)
    assert a.parse_balances(body(Venue.BINANCE, "DOCS_account.json")) == {
        "BTC": Balance(asset="BTC", free=4723846.89208129, locked=0.0),
        "LTC": Balance(asset="LTC", free=4763368.68006011, locked=0.0)}
    fees = a.parse_fee_rates(body(Venue.BINANCE, "DOCS_commission.json"), "BTCUSDT")
    side = max(0.00000030 + 0.00000118, 0.00000040 + 0.00000116)  # dearer of buyer/seller
    assert fees.maker == pytest.approx(0.00000010 + 0.00000112 + side)
    assert fees.taker == pytest.approx(0.00000020 + 0.00000114 + side)
    faq = a.parse_fee_rates(body(Venue.BINANCE, "DOCS_commission_faq.json"), "BTCUSDT")
    # the FAQ's SELL taker example: standard 0.6e-6 + tax 2.3e-6 + special 0.06 (+ buyer
    # side would be cheaper here)
    assert faq.taker == pytest.approx(0.00000060 + 0.00000230 + 0.06)


# --- Bybit --------------------------------------------------------------------------------

def test_bybit_acks() -> None:
    a = adapter_for(Venue.BYBIT)
    ref = OrderRef("BTCUSDT", "spot-test-postonly")
    expected = OrderReport(client_id="spot-test-postonly", venue_order_id="1321003749386327552",
                           status=S.NEW)
    assert a.parse_place(body(Venue.BYBIT, "DOCS_order_create.json"), ref) == expected
    assert a.parse_cancel(body(Venue.BYBIT, "DOCS_order_create.json"), ref) == expected


def test_bybit_open_order() -> None:
    a = adapter_for(Venue.BYBIT)
    r = a.parse_status(body(Venue.BYBIT, "DOCS_order_realtime.json"),
                       OrderRef("ETHUSDT", "test-000005"))
    assert r == OrderReport(client_id="test-000005",
                            venue_order_id="fd4300ae-7847-404e-b947-b46980a4d140", status=S.NEW)


@pytest.mark.parametrize(("side", "fee_asset"), [("Buy", "ETH"), ("Sell", "USDT")])
def test_bybit_fill_fee_is_in_the_received_asset(side: str, fee_asset: str) -> None:
    raw = edited(Venue.BYBIT, "DOCS_order_realtime.json", orderStatus="PartiallyFilledCanceled",
                 side=side, cumExecQty="0.04", avgPrice="1599.5", cumExecFee="0.00004")
    ref = OrderRef("ETHUSDT", "test-000005", "ETH", "USDT")
    r = adapter_for(Venue.BYBIT).parse_status(raw, ref)
    assert r is not None
    assert (r.status, r.filled_qty, r.avg_price, r.fee, r.fee_asset) == (
        S.CANCELED, 0.04, 1599.5, 0.00004, fee_asset)
    bare = adapter_for(Venue.BYBIT).parse_status(raw, OrderRef("ETHUSDT", "test-000005"))
    assert bare is not None and bare.fee_asset == ""  # no symbol split: unknown asset


def test_bybit_rejected_and_missing_orders() -> None:
    a = adapter_for(Venue.BYBIT)
    ref = OrderRef("ETHUSDT", "test-000005")
    raw = edited(Venue.BYBIT, "DOCS_order_realtime.json", orderStatus="Rejected",
                 rejectReason="EC_NoEnoughQtyToFill", avgPrice="")
    r = a.parse_status(raw, ref)
    assert r is not None and (r.status, r.error, r.avg_price) == (
        S.REJECTED, "EC_NoEnoughQtyToFill", 0.0)
    empty = b'{"retCode":0,"retMsg":"OK","result":{"list":[],"nextPageCursor":"",' \
            b'"category":"spot"},"retExtInfo":{},"time":1}'
    assert a.parse_status(empty, ref) is None
    other = edited(Venue.BYBIT, "DOCS_order_realtime.json", orderStatus="SomethingNew")
    r = a.parse_status(other, ref)
    assert r is not None and r.status is S.UNKNOWN


def test_bybit_balances_and_fee_rates() -> None:
    a = adapter_for(Venue.BYBIT)
    assert a.parse_balances(body(Venue.BYBIT, "DOCS_wallet_balance.json")) == {
        "BTC": Balance(asset="BTC", free=0.805994, locked=0.0)}
    locked = json.loads(body(Venue.BYBIT, "DOCS_wallet_balance.json"))
    locked["result"]["list"][0]["coin"][0]["locked"] = "0.305994"
    assert a.parse_balances(json.dumps(locked).encode())["BTC"] == Balance(
        asset="BTC", free=pytest.approx(0.5), locked=0.305994)  # type: ignore[arg-type]
    assert a.parse_fee_rates(body(Venue.BYBIT, "DOCS_fee_rate.json"), "ETHUSDT") == \
        FeeRates(maker=0.0001, taker=0.0006)
    with pytest.raises(ValueError):
        a.parse_fee_rates(body(Venue.BYBIT, "DOCS_fee_rate.json"), "BTCUSDT")


# --- OKX ------------------------------------------------------------------------------------

def test_okx_acks() -> None:
    a = adapter_for(Venue.OKX)
    ref = OrderRef("BTC-USDT", "oktswap6")
    assert a.parse_place(body(Venue.OKX, "DOCS_order_place.json"), ref) == \
        OrderReport(client_id="oktswap6", venue_order_id="312269865356374016", status=S.NEW)
    assert a.parse_place(body(Venue.OKX, "CCXT_createOrder.json"), ref) == OrderReport(
        client_id="6b9ad766b55dBCDE63969a1144bfb943", venue_order_id="2896576259728695296",
        status=S.NEW)
    assert a.parse_cancel(body(Venue.OKX, "DOCS_cancel_order.json"), ref) == \
        OrderReport(client_id="oktswap6", venue_order_id="12345689", status=S.NEW)
    with pytest.raises(ValueError):
        a.parse_place(b'{"code":"0","msg":"","data":[]}', ref)


def test_okx_order_details_fee_is_reported_positive() -> None:
    r = adapter_for(Venue.OKX).parse_status(body(Venue.OKX, "DOCS_order_details.json"),
                                            OrderRef("BTC-USDT", "ours"))
    assert r == OrderReport(client_id="ours", venue_order_id="680800019749904384", status=S.FILLED,
                            filled_qty=0.00192834, avg_price=51858.0, fee=0.00000192834,
                            fee_asset="BTC")


def test_okx_live_order_with_empty_numbers_and_missing_order() -> None:
    a = adapter_for(Venue.OKX)
    ref = OrderRef("BTC-USDT", "c1")
    raw = edited(Venue.OKX, "DOCS_order_details.json", state="live", accFillSz="0",
                 avgPx="", fee="0", clOrdId="c1")
    r = a.parse_status(raw, ref)
    assert r == OrderReport(client_id="c1", venue_order_id="680800019749904384", status=S.NEW)
    assert a.parse_status(b'{"code":"0","msg":"","data":[]}', ref) is None


def test_okx_balances_and_fee_rates() -> None:
    a = adapter_for(Venue.OKX)
    assert a.parse_balances(body(Venue.OKX, "CCXT_balance_TRIMMED.json")) == {
        "TUSD": Balance(asset="TUSD", free=3000.0, locked=0.0),
        "BTC": Balance(asset="BTC", free=0.6612664522199999, locked=0.4)}
    fees = a.parse_fee_rates(body(Venue.OKX, "DOCS_trade_fee.json"), "BTC-USDT")
    assert fees == FeeRates(maker=0.0008, taker=0.001)  # negative = charged: flipped
    usdc = json.loads(body(Venue.OKX, "DOCS_trade_fee.json"))
    usdc["data"][0].update(makerUSDC="0.0001", takerUSDC="-0.0007")
    raw = json.dumps(usdc).encode()
    assert a.parse_fee_rates(raw, "BTC-USDC") == FeeRates(maker=-0.0001, taker=0.0007)
    assert a.parse_fee_rates(raw, "BTC-USDT") == FeeRates(maker=0.0008, taker=0.001)
    # a non-USDT pair with no USDC rates falls back on maker/taker
    assert a.parse_fee_rates(body(Venue.OKX, "DOCS_trade_fee.json"), "ETH-BTC") == fees


# --- Bitget ---------------------------------------------------------------------------------

def test_bitget_acks() -> None:
    a = adapter_for(Venue.BITGET)
    ref = OrderRef("BTCUSDT", "121211212122")
    expected = OrderReport(client_id="121211212122", venue_order_id="1001", status=S.NEW)
    assert a.parse_place(body(Venue.BITGET, "DOCS_place_order.json"), ref) == expected
    assert a.parse_cancel(body(Venue.BITGET, "DOCS_place_order.json"), ref) == expected


def test_bitget_order_info_fee_from_new_fees() -> None:
    a = adapter_for(Venue.BITGET)
    raw = body(Venue.BITGET, "DOCS_orderInfo.json")
    r = a.parse_status(raw, OrderRef("BTCUSDT", "121211212122", "BTC", "USDT"))
    assert r == OrderReport(client_id="121211212122", venue_order_id="121211212122",
                            status=S.FILLED, filled_qty=0.0007, avg_price=13000.0, fee=0.112079256,
                            fee_asset="BTC")
    bare = a.parse_status(raw, OrderRef("BTCUSDT", "121211212122"))
    assert bare is not None and (bare.fee, bare.fee_asset) == (0.112079256, "")


def test_bitget_legacy_fee_detail_and_states() -> None:
    a = adapter_for(Venue.BITGET)
    ref = OrderRef("BTCUSDT", "c", "BTC", "USDT")
    legacy = edited(Venue.BITGET, "DOCS_orderInfo.json", side="sell", feeDetail=json.dumps(
        {"USDT": {"deduction": False, "feeCoinCode": "USDT", "totalDeductionFee": 0,
                  "totalFee": -0.0091}}))
    r = a.parse_status(legacy, ref)
    assert r is not None and (r.fee, r.fee_asset) == (0.0091, "USDT")
    live = edited(Venue.BITGET, "DOCS_orderInfo.json", status="live", baseVolume="0",
                  priceAvg="", feeDetail="")
    r = a.parse_status(live, ref)
    assert r is not None and (r.status, r.filled_qty, r.avg_price, r.fee, r.fee_asset) == (
        S.NEW, 0.0, 0.0, 0.0, "")
    cancelled = edited(Venue.BITGET, "DOCS_orderInfo.json", status="cancelled")
    r = a.parse_status(cancelled, ref)
    assert r is not None and r.status is S.CANCELED
    empty = b'{"code":"00000","msg":"success","requestTime":1,"data":[]}'
    assert a.parse_status(empty, ref) is None


def test_bitget_balances_and_fee_rates() -> None:
    a = adapter_for(Venue.BITGET)
    assert a.parse_balances(body(Venue.BITGET, "DOCS_assets.json")) == {
        "USDT": Balance(asset="USDT", free=0.0, locked=0.0)}
    held = json.loads(body(Venue.BITGET, "DOCS_assets.json"))
    held["data"][0].update(available="120.5", frozen="10", locked="2.5")
    assert a.parse_balances(json.dumps(held).encode()) == {
        "USDT": Balance(asset="USDT", free=120.5, locked=12.5)}
    assert a.parse_fee_rates(body(Venue.BITGET, "DOCS_trade_rate.json"), "BTCUSDT") == \
        FeeRates(maker=0.0002, taker=0.0006)


@pytest.mark.parametrize("venue", [*Venue, "bitget-uta"])
@pytest.mark.parametrize("bad", [b"", b"not json", b"[]", b'{"data":"x"}'])
def test_unreadable_answers_raise_value_error(venue: Venue | str, bad: bytes) -> None:
    a = adapter_for(Venue.BITGET).for_mode("uta") if venue == "bitget-uta" else \
        adapter_for(Venue(venue))
    ref = OrderRef("X", "c")
    for parse in (lambda b: a.parse_place(b, ref), lambda b: a.parse_status(b, ref),
                  a.parse_balances, lambda b: a.parse_fee_rates(b, "X")):
        with pytest.raises(ValueError):
            parse(bad)


# --- error codes ----------------------------------------------------------------------------

ERRORS = [
    # Binance: one code, several causes told apart by the message
    (Venue.BINANCE, 400, {"code": -2010, "msg": "Account has insufficient balance for "
                          "requested action."}, K.INSUFFICIENT_BALANCE, "-2010"),
    (Venue.BINANCE, 400, {"code": -2010, "msg": "Filter failure: NOTIONAL"},
     K.ORDER_RULES, "-2010"),
    (Venue.BINANCE, 400, {"code": -2010, "msg": "Order would immediately match and take."},
     K.BAD_REQUEST, "-2010"),
    (Venue.BINANCE, 400, {"code": -1013, "msg": "Filter failure: LOT_SIZE"},
     K.ORDER_RULES, "-1013"),
    (Venue.BINANCE, 400, {"code": -1013, "msg": "Filter failure: PRICE_FILTER"},
     K.ORDER_RULES, "-1013"),
    (Venue.BINANCE, 400, {"code": -1111, "msg": "Precision is over the maximum defined for "
                          "this asset."}, K.ORDER_RULES, "-1111"),
    (Venue.BINANCE, 400, {"code": -2013, "msg": "Order does not exist."},
     K.NO_SUCH_ORDER, "-2013"),
    (Venue.BINANCE, 400, {"code": -2011, "msg": "Unknown order sent."},
     K.NO_SUCH_ORDER, "-2011"),
    (Venue.BINANCE, 400, {"code": -2011, "msg": "Order was not canceled due to cancel "
                          "restrictions."}, K.BAD_REQUEST, "-2011"),
    (Venue.BINANCE, 400, {"code": -1022, "msg": "Signature for this request is not valid."},
     K.AUTH, "-1022"),
    (Venue.BINANCE, 401, {"code": -2014, "msg": "API-key format invalid."}, K.AUTH, "-2014"),
    (Venue.BINANCE, 401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for "
                          "action."}, K.AUTH, "-2015"),
    (Venue.BINANCE, 400, {"code": -1021, "msg": "Timestamp for this request is outside of "
                          "the recvWindow."}, K.TIMESTAMP, "-1021"),
    (Venue.BINANCE, 429, {"code": -1015, "msg": "Too many new orders."}, K.RATE_LIMITED,
     "-1015"),
    # Bybit: retCode in an HTTP 200
    (Venue.BYBIT, 200, {"retCode": 170131, "retMsg": "Balance insufficient"},
     K.INSUFFICIENT_BALANCE, "170131"),
    (Venue.BYBIT, 200, {"retCode": 170136, "retMsg": "Order quantity is lower than the "
                        "minimum"}, K.ORDER_RULES, "170136"),
    (Venue.BYBIT, 200, {"retCode": 170137, "retMsg": "Order quantity has too many decimals"},
     K.ORDER_RULES, "170137"),
    (Venue.BYBIT, 200, {"retCode": 170140, "retMsg": "Order value exceeded lower limit"},
     K.ORDER_RULES, "170140"),
    (Venue.BYBIT, 200, {"retCode": 170134, "retMsg": "Order price has too many decimals"},
     K.ORDER_RULES, "170134"),
    (Venue.BYBIT, 200, {"retCode": 170213, "retMsg": "Order does not exist."},
     K.NO_SUCH_ORDER, "170213"),
    (Venue.BYBIT, 200, {"retCode": 110001, "retMsg": "Order does not exist"},
     K.NO_SUCH_ORDER, "110001"),
    (Venue.BYBIT, 200, {"retCode": 10002, "retMsg": "The request time exceeds the time "
                        "window range."}, K.TIMESTAMP, "10002"),
    (Venue.BYBIT, 200, {"retCode": 10003, "retMsg": "API key is invalid."}, K.AUTH, "10003"),
    (Venue.BYBIT, 200, {"retCode": 10004, "retMsg": "Error sign"}, K.AUTH, "10004"),
    (Venue.BYBIT, 200, {"retCode": 10005, "retMsg": "Permission denied"}, K.AUTH, "10005"),
    (Venue.BYBIT, 200, {"retCode": 10006, "retMsg": "Too many visits!"}, K.RATE_LIMITED,
     "10006"),
    (Venue.BYBIT, 401, None, K.AUTH, ""),
    # OKX: the top-level code, or the per-order sCode (which wins)
    (Venue.OKX, 200, {"code": "1", "msg": "Operation failed.", "data": [
        {"clOrdId": "b15", "ordId": "", "sCode": "51008", "sMsg": "Order failed. "
         "Insufficient USDT balance in account.", "tag": "", "ts": "1695190491421"}]},
     K.INSUFFICIENT_BALANCE, "51008"),
    (Venue.OKX, 200, {"code": "0", "msg": "", "data": [
        {"clOrdId": "b15", "ordId": "", "sCode": "51121", "sMsg": "Order quantity must be a "
         "multiple of the lot size.", "tag": ""}]}, K.ORDER_RULES, "51121"),
    (Venue.OKX, 200, {"code": "1", "msg": "", "data": [
        {"sCode": "51000", "sMsg": "Parameter sz error"}]}, K.BAD_REQUEST, "51000"),
    (Venue.OKX, 200, {"code": "51001", "msg": "Instrument ID does not exist", "data": []},
     K.BAD_REQUEST, "51001"),
    (Venue.OKX, 200, {"code": "51603", "msg": "Order does not exist", "data": []},
     K.NO_SUCH_ORDER, "51603"),
    (Venue.OKX, 401, {"code": "50102", "msg": "Timestamp request expired.", "data": []},
     K.TIMESTAMP, "50102"),
    (Venue.OKX, 401, {"code": "50105", "msg": "Invalid OK-ACCESS-PASSPHRASE.", "data": []},
     K.AUTH, "50105"),
    (Venue.OKX, 401, {"code": "50111", "msg": "Invalid OK-ACCESS-KEY.", "data": []},
     K.AUTH, "50111"),
    (Venue.OKX, 401, {"code": "50113", "msg": "Invalid signature.", "data": []},
     K.AUTH, "50113"),
    (Venue.OKX, 429, {"code": "50011", "msg": "Too Many Requests", "data": []},
     K.RATE_LIMITED, "50011"),
    (Venue.OKX, 429, {"code": "50013", "msg": "Systems are busy. Please try again later.",
                      "data": []}, K.RATE_LIMITED, "50013"),
    # Bitget
    (Venue.BITGET, 400, {"code": "43012", "msg": "Insufficient balance", "data": None},
     K.INSUFFICIENT_BALANCE, "43012"),
    (Venue.BITGET, 400, {"code": "45110", "msg": "less than the minimum amount 5 USDT"},
     K.ORDER_RULES, "45110"),
    (Venue.BITGET, 400, {"code": "45111", "msg": "less than the minimum order quantity"},
     K.ORDER_RULES, "45111"),
    (Venue.BITGET, 400, {"code": "43027", "msg": "The minimum order value is not met"},
     K.ORDER_RULES, "43027"),
    (Venue.BITGET, 400, {"code": "43001", "msg": "The order does not exist"},
     K.NO_SUCH_ORDER, "43001"),
    (Venue.BITGET, 400, {"code": "40008", "msg": "Request timestamp expired"},
     K.TIMESTAMP, "40008"),
    (Venue.BITGET, 400, {"code": "40009", "msg": "sign signature error"}, K.AUTH, "40009"),
    (Venue.BITGET, 400, {"code": "40012", "msg": "apikey/password is incorrect"},
     K.AUTH, "40012"),
    (Venue.BITGET, 400, {"code": "40006", "msg": "Invalid ACCESS_KEY"}, K.AUTH, "40006"),
    (Venue.BITGET, 429, {"code": "429", "msg": "Too many requests"}, K.RATE_LIMITED, "429"),
    # Bitget: an endpoint of the other account mode, and the unified account's own codes
    (Venue.BITGET, 400, {"code": "40084", "msg": "You are in Classic Account mode, and the "
                         "Unified Account API is not supported at this time"},
     K.ACCOUNT_MODE, "40084"),
    (Venue.BITGET, 400, {"code": "40085", "msg": "not a unified account"},
     K.ACCOUNT_MODE, "40085"),
    (Venue.BITGET, 400, {"code": "25245", "msg": "The account is not the unified account "
                         "mode"}, K.ACCOUNT_MODE, "25245"),
    (Venue.BITGET, 400, {"code": "25202", "msg": "Insufficient balance"},
     K.INSUFFICIENT_BALANCE, "25202"),
    (Venue.BITGET, 400, {"code": "25204", "msg": "Order does not exist"},
     K.NO_SUCH_ORDER, "25204"),
    (Venue.BITGET, 400, {"code": "25611", "msg": "Order quantity must be greater than the "
                         "minimum order amount"}, K.ORDER_RULES, "25611"),
]


@pytest.mark.parametrize(("venue", "status", "payload", "kind", "code"), ERRORS)
def test_error_codes_map_to_kinds(venue: Venue, status: int, payload: object,
                                  kind: RestErrorKind, code: str) -> None:
    raw = b"" if payload is None else json.dumps(payload).encode()
    problem = adapter_for(venue).rest_error(status, raw)
    assert problem is not None
    assert (problem.kind, problem.code) == (kind, code)


def test_okx_success_with_successful_items_is_no_error() -> None:
    okx = adapter_for(Venue.OKX)
    assert okx.rest_error(200, body(Venue.OKX, "DOCS_order_place.json")) is None
    assert okx.rest_error(200, body(Venue.OKX, "DOCS_order_details.json")) is None  # no sCode
    problem = okx.rest_error(200, json.dumps({"code": "1", "msg": "", "data": [
        {"sCode": "51008", "sMsg": "Order failed. Insufficient USDT balance"}]}).encode())
    assert problem is not None and problem.message == "Order failed. Insufficient USDT balance"


def test_outcome_unknown_kinds() -> None:
    unknown = {k for k in RestErrorKind if k.outcome_unknown}
    assert unknown == {K.SERVER, K.TIMEOUT, K.NETWORK, K.INVALID_RESPONSE, K.OTHER}
    refused = (K.INSUFFICIENT_BALANCE, K.ORDER_RULES, K.NO_SUCH_ORDER, K.AUTH,
               K.ACCOUNT_MODE)
    assert not any(k.retryable for k in refused)
