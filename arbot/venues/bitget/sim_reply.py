"""What the simulator's Bitget private endpoints share, classic (`sim_private`) and
unified (`sim_uta`) alike: the envelope, numbers written as Bitget writes them, the
words for sides and time in force, and the refusal of a missing parameter.

Answers are `{"code":"00000","msg":"success","requestTime":..,"data":..}`; errors are
HTTP 400 with `code`, `msg`, `requestTime`, `data: null`, as recorded for 40009
(BitgetLimited/v3-bitget-api-sdk #7).
"""

from __future__ import annotations

from decimal import Decimal

from arbot.sim.account import Side, Tif
from arbot.sim.instruments import format_decimal
from arbot.sim.private import Call, Reply

SIDES = {"buy": Side.BUY, "sell": Side.SELL}
FORCES = {"gtc": Tif.GTC, "ioc": Tif.IOC, "fok": Tif.FOK}
USER_ID = "6088888888"


def n(value: Decimal) -> str:
    return format_decimal(value, "trim")


def ok(data: object, now_ms: int) -> Reply:
    return Reply(200, {"code": "00000", "msg": "success", "requestTime": now_ms, "data": data})


def error(now_ms: int, code: str, msg: str, status: int = 400) -> Reply:
    return Reply(status, {"code": code, "msg": msg, "requestTime": now_ms, "data": None})


def required(call: Call, *names: str) -> Reply | None:
    for name in names:
        if call.text(name) is None:
            return error(call.now_ms, "40019", f"Parameter {name} cannot be empty")
    return None
