"""The simulator's `GET /api/v5/asset/currencies` (docs "Funding account / Get
currencies", https://www.okx.com/docs-v5/en/#funding-account-rest-api-get-currencies):
one row per (ccy, chain), `chain` written `<ccy>-<network>`, `canDep`/`canWd` booleans,
numbers as text; `ccy` filters."""

from __future__ import annotations

from arbot.sim.coins import SimNetwork, text, wanted
from arbot.sim.private import Call, Reply

PATH = "/api/v5/asset/currencies"
_NAMES = {"ETH": "ERC20", "TRX": "TRC20", "SOL": "Solana", "BTC": "Bitcoin", "XRP": "Ripple",
          "ARBITRUM": "Arbitrum One"}


def _row(n: SimNetwork) -> dict[str, object]:
    fee = text(n.withdraw_fee)
    return {"burningFeeRate": "", "canDep": n.deposit, "canInternal": True,
            "canWd": n.withdraw, "ccy": n.coin, "chain": f"{n.coin}-{_NAMES[n.chain]}",
            "ctAddr": n.contract, "depEstOpenTime": "", "depQuotaFixed": "",
            "depQuoteDailyLayer2": "", "fee": fee, "logoLink": "", "mainNet": n.chain == "ETH",
            "maxFee": fee, "maxFeeForCtAddr": "", "maxWd": "500000", "minDep": "0",
            "minDepArrivalConfirm": str(n.confirmations), "minFee": fee,
            "minFeeForCtAddr": "", "minInternal": "0", "minWd": text(n.withdraw_min),
            "minWdUnlockConfirm": str(n.confirmations), "name": n.coin, "needTag": False,
            "usedDepQuotaFixed": "", "usedWdQuota": "0", "wdEstOpenTime": "",
            "wdQuota": "10000000", "wdTickSz": "8"}


def coins(call: Call) -> Reply:
    rows = [_row(n) for n in wanted(call.req.coins, call.text("ccy"))]
    return Reply(200, {"code": "0", "msg": "", "data": rows})
