"""The private-stream parsers on the venues' documentation examples
(`fixtures/<venue>/DOCS_EXAMPLES_private_stream.jsonl`, see fixtures/SOURCES.md), and on
bad input: every frame yields events or counted drops, never an exception."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from arbot.domain import OrderStatus, Pong, ShutdownNotice, SubscribeAck, Venue, VenueError
from arbot.exchanges import stream_for
from arbot.exchanges.drops import DropCounter
from arbot.exchanges.privatewire import LoginProblem, LoginResult, PrivateParser
from arbot.exchanges.signing import Credentials, hmac_hex
from arbot.privateevents import BalanceUpdate, Fill, OrderUpdate, PrivateEvent

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class Heard:
    """A parser for one venue and everything it said."""

    def __init__(self, venue: Venue, unified: bool = False) -> None:
        self.events: list[PrivateEvent] = []
        self.logins: list[LoginResult] = []
        self.drops = DropCounter()
        stream = stream_for(venue, lambda: "uta" if unified else None)
        self.parser: PrivateParser = stream.new_parser(self.drops, self.events.append,
                                                       self.logins.append)

    def feed(self, frame: str | bytes) -> list[object]:
        """Everything one frame produced: private events, login answers, control events."""
        before = len(self.events), len(self.logins)
        assert self.parser.quote(frame, 1) is None
        out: list[object] = [*self.events[before[0]:], *self.logins[before[1]:],
                             *self.parser.events]
        self.parser.events.clear()
        return out


def lines(venue: Venue) -> list[str]:
    path = FIXTURES / venue.value / "DOCS_EXAMPLES_private_stream.jsonl"
    return path.read_text().splitlines()


def only(out: list[object], kind: type) -> object:
    found = [e for e in out if isinstance(e, kind)]
    assert len(found) == 1, out
    return found[0]


def test_binance_documentation_examples() -> None:
    doc, h = lines(Venue.BINANCE), Heard(Venue.BINANCE)
    ours = msgspec.json.decode(doc[5])
    ours["id"] = "arbot-login"  # the answer to our own login request
    assert only(h.feed(msgspec.json.encode(ours)), LoginResult) == LoginResult(
        venue=Venue.BINANCE, ok=True)
    refused = only(h.feed(doc[6]), LoginResult)
    assert isinstance(refused, LoginResult) and refused.problem is LoginProblem.KEY
    assert "-2015" in refused.text() and "revoked" in refused.text()
    assert isinstance(only(h.feed(doc[7]), ShutdownNotice), ShutdownNotice)
    balance = only(h.feed(doc[9]), BalanceUpdate)
    assert isinstance(balance, BalanceUpdate)
    assert balance.balances["ETH"].free == 10000.0 and balance.ts_exchange_ms == 1564034571105
    order = only(h.feed(doc[11]), OrderUpdate)
    assert isinstance(order, OrderUpdate)
    assert (order.client_id, order.venue_order_id, order.status, order.filled_qty) == (
        "mUvoqJxFIILMdfAW5iGSOW", "4293153", OrderStatus.NEW, 0.0)
    assert isinstance(only(h.feed(doc[13]), ShutdownNotice), ShutdownNotice)  # terminated
    for skipped in (doc[10], doc[12], doc[14]):  # balanceUpdate, listStatus, lock update
        assert h.feed(skipped) == []
    assert h.drops.as_dict() == {"unused_channel": 3}


def test_binance_trades_add_up_to_the_order() -> None:
    """No TRADE example is published: the NEW example turned into two trades."""
    doc, h = lines(Venue.BINANCE), Heard(Venue.BINANCE)
    event = msgspec.json.decode(doc[11])
    trades = [("0.4", "0.4", "0.04", "PARTIALLY_FILLED", "0.0004"),
              ("0.6", "1", "0.1", "FILLED", "0.0006")]
    for last, cum, quote, state, fee in trades:
        event["event"].update(x="TRADE", X=state, l=last, z=cum, L="0.1", Z=quote, n=fee,
                              N="ETH", t=7)
        out = h.feed(msgspec.json.encode(event))
    fill = only(out, Fill)
    assert isinstance(fill, Fill) and (fill.qty, fill.fee, fill.trade_id) == (0.6, 0.0006, "7")
    order = only(out, OrderUpdate)
    assert isinstance(order, OrderUpdate) and order.status is OrderStatus.FILLED
    assert order.filled_qty == 1.0 and order.avg_price == pytest.approx(0.1)
    assert order.fee == pytest.approx(0.001) and order.fee_asset == "ETH"  # summed


def test_bybit_documentation_examples() -> None:
    doc, h = lines(Venue.BYBIT), Heard(Venue.BYBIT)
    assert only(h.feed(doc[1]), LoginResult) == LoginResult(venue=Venue.BYBIT, ok=True)
    assert isinstance(only(h.feed(doc[2]), SubscribeAck), SubscribeAck)
    assert isinstance(only(h.feed(doc[3]), Pong), Pong)
    assert h.feed(doc[5]) == [] and h.feed(doc[7]) == []  # option and linear: not spot
    assert h.drops.as_dict() == {"not_spot": 2}
    wallet = only(h.feed(doc[9]), BalanceUpdate)
    assert isinstance(wallet, BalanceUpdate) and wallet.balances["BTC"].free == 0.00102964
    spot = msgspec.json.decode(doc[5])
    spot["data"][0].update(category="spot", orderLinkId="ab1b")
    order = only(h.feed(msgspec.json.encode(spot)), OrderUpdate)
    assert isinstance(order, OrderUpdate)
    assert (order.status, order.filled_qty, order.avg_price) == (OrderStatus.FILLED, 1.0, 75.0)
    assert (order.fee, order.fee_asset) == (0.00242968, "MNT")  # cumFeeDetail, not cumExecFee


def test_okx_documentation_examples() -> None:
    doc, h = lines(Venue.OKX), Heard(Venue.OKX)
    assert only(h.feed(doc[1]), LoginResult) == LoginResult(venue=Venue.OKX, ok=True)
    refused = only(h.feed(doc[2]), LoginResult)
    assert isinstance(refused, LoginResult) and refused.code == "60009"
    assert isinstance(only(h.feed(doc[4]), SubscribeAck), SubscribeAck)
    error = only(h.feed(doc[5]), VenueError)
    assert isinstance(error, VenueError) and error.code == "60012"
    out = h.feed(doc[6])
    order, fill = only(out, OrderUpdate), only(out, Fill)
    assert isinstance(order, OrderUpdate) and isinstance(fill, Fill)
    assert (order.status, order.filled_qty, order.avg_price) == (OrderStatus.FILLED, 0.001,
                                                                   31527.1)
    assert (order.fee, order.fee_asset) == (0.02522168, "USDT")  # negative: a charge
    assert (fill.trade_id, fill.qty, fill.price) == ("242589207", 0.001, 31527.1)
    account = only(h.feed(doc[9]), BalanceUpdate)
    assert isinstance(account, BalanceUpdate) and "USDT" in account.balances
    assert isinstance(only(h.feed(doc[10]), ShutdownNotice), ShutdownNotice)
    assert h.feed("pong") == [Pong(venue=Venue.OKX)]


def test_bitget_documentation_examples() -> None:
    doc, h = lines(Venue.BITGET), Heard(Venue.BITGET)
    assert only(h.feed(doc[1]), LoginResult) == LoginResult(venue=Venue.BITGET, ok=True)
    refused = only(h.feed(doc[2]), LoginResult)
    assert isinstance(refused, LoginResult) and refused.code == "30005"
    assert isinstance(only(h.feed(doc[4]), SubscribeAck), SubscribeAck)
    order = only(h.feed(doc[5]), OrderUpdate)
    assert isinstance(order, OrderUpdate)
    assert (order.client_id, order.status, order.filled_qty) == (
        "1", OrderStatus.PARTIALLY_FILLED, 0.0003)
    assert (order.fee, order.fee_asset) == (0.00000018, "BTC")
    fills = [e for e in h.feed(doc[8]) if isinstance(e, Fill)]
    assert [f.trade_id for f in fills] == ["111", "222"] and fills[0].fee == 0.01538655
    account = only(h.feed(doc[11]), BalanceUpdate)
    assert isinstance(account, BalanceUpdate) and account.balances["USDT"].free == 100000.0


def test_bitget_unified_documentation_examples() -> None:
    """v3 pushes: the docs' order and fill examples are futures (skipped), the account
    example lists coins."""
    doc, h = lines(Venue.BITGET), Heard(Venue.BITGET, unified=True)
    assert isinstance(only(h.feed(doc[13]), SubscribeAck), SubscribeAck)
    assert h.feed(doc[14]) == [] and h.feed(doc[17]) == []
    assert h.drops.as_dict() == {"not_spot": 2}
    account = only(h.feed(doc[20]), BalanceUpdate)
    assert isinstance(account, BalanceUpdate) and account.balances["BTC"].free == 52.00819
    spot = msgspec.json.decode(doc[14])
    spot["data"][0].update(category="SPOT", clientOid="ab1b")
    order = only(h.feed(msgspec.json.encode(spot)), OrderUpdate)
    assert isinstance(order, OrderUpdate) and order.status is OrderStatus.FILLED
    assert (order.filled_qty, order.avg_price) == (0.001, 83131.5)


def test_bitget_unified_accounts_use_the_v3_stream() -> None:
    classic, unified = stream_for(Venue.BITGET), stream_for(Venue.BITGET, lambda: "uta")
    url = "wss://ws.bitget.com/v2/ws/private"
    assert classic.url(url) == url
    assert unified.url(url) == "wss://ws.bitget.com/v3/ws/private"
    assert all('"instType":"UTA"' in f for f in unified.subscribe_frames())


BAD = ["", "{", "[]", "null", "nan", '{"topic":"order","data":[{"orderId":1}]}',
       '{"topic":"order","data":[{"orderId":"1","orderStatus":"Filled","cumExecQty":"-1"}]}',
       '{"event":{"e":"executionReport","z":"NaN"}}', '{"event":{"e":5}}',
       '{"arg":{"channel":"orders"},"data":[{"ordId":"1","state":"filled","accFillSz":"x"}]}',
       '{"arg":{"channel":"account"},"data":[{"details":[{"ccy":"BTC","availBal":"inf"}]}]}',
       '{"arg":{"channel":"orders","instType":"SPOT"},"data":"x"}', '{"event":"login","code":7}',
       b"\xff\xfe", '{"subscriptionId":0,"event":{"e":"outboundAccountPosition","B":[{}]}}']


@pytest.mark.parametrize("venue", list(Venue))
def test_bad_frames_are_counted_never_raised(venue: Venue) -> None:
    h = Heard(venue)
    for frame in BAD:
        out = h.feed(frame)
        assert not [e for e in out if isinstance(e, (OrderUpdate, Fill, BalanceUpdate))], frame
    assert h.drops.total() >= len(BAD) - 2  # a few are another venue's well-formed words


def test_a_refusal_names_the_problem_and_never_the_keys() -> None:
    result = LoginResult(venue=Venue.OKX, ok=False, code="60024", message="Wrong passphrase",
                         problem=LoginProblem.PASSPHRASE)
    assert result.text() == ("okx refused the private stream's login: the passphrase is "
                             "wrong (60024 Wrong passphrase)")


def test_bybit_signs_the_documented_string() -> None:
    """"signature = hex HMAC-SHA256 of GET/realtime + expires", expires ahead of now."""
    creds = Credentials("key", "secret")
    frame = msgspec.json.decode(stream_for(Venue.BYBIT).login_frames(creds, 1_000)[0])
    key, expires, signature = frame["args"]
    assert key == "key" and expires > 1_000
    assert signature == hmac_hex("secret", f"GET/realtime{expires}")
