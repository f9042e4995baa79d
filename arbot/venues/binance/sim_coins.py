"""The simulator's `GET /sapi/v1/capital/config/getall` (Wallet docs, "All Coins'
Information (USER_DATA)", https://developers.binance.com/docs/wallet/capital): a list of
coins, each with `networkList[]`; amounts as text, `minConfirm` a number, the flags JSON
booleans, `estimatedArrivalTime` in minutes."""

from __future__ import annotations

from itertools import groupby

from arbot.sim.coins import SimNetwork, text
from arbot.sim.private import Call, Reply

PATH = "/sapi/v1/capital/config/getall"
_NAMES = {"ETH": ("ETH", "Ethereum (ERC20)"), "TRX": ("TRX", "Tron (TRC20)"),
          "SOL": ("SOL", "Solana"), "BTC": ("BTC", "Bitcoin"), "XRP": ("XRP", "Ripple"),
          "ARBITRUM": ("ARBITRUM", "Arbitrum One")}


def _network(n: SimNetwork) -> dict[str, object]:
    code, name = _NAMES[n.chain]
    return {"network": code, "coin": n.coin, "withdrawIntegerMultiple": "0.00000001",
            "isDefault": n.chain == "ETH", "depositEnable": n.deposit,
            "withdrawEnable": n.withdraw, "depositDesc": "", "withdrawDesc": "",
            "specialTips": "", "specialWithdrawTips": "", "name": name,
            "resetAddressStatus": False, "addressRegex": "", "memoRegex": "",
            "withdrawFee": text(n.withdraw_fee), "withdrawMin": text(n.withdraw_min),
            "withdrawMax": "9999999999", "withdrawInternalMin": "0.00000001",
            "depositDust": "0.00000001", "minConfirm": n.confirmations, "unLockConfirm": 0,
            "sameAddress": False, "estimatedArrivalTime": n.minutes, "busy": False,
            "contractAddressUrl": "", "contractAddress": n.contract}


def coins(call: Call) -> Reply:
    out = []
    for coin, rows in groupby(call.req.coins, key=lambda n: n.coin):
        networks = [_network(n) for n in rows]
        out.append({"coin": coin, "depositAllEnable": any(n["depositEnable"] for n in networks),
                    "withdrawAllEnable": any(n["withdrawEnable"] for n in networks),
                    "name": coin, "free": "0", "locked": "0", "freeze": "0",
                    "withdrawing": "0", "ipoing": "0", "ipoable": "0", "storage": "0",
                    "isLegalMoney": False, "trading": True, "networkList": networks})
    return Reply(200, out)
