"""The simulator's `GET /v5/asset/coin/query-info` (docs `v5/asset/coin-info`,
https://bybit-exchange.github.io/docs/v5/asset/coin-info): `result.rows[]` per coin with
`chains[]`; every value text, `chainDeposit`/`chainWithdraw` "1" open and "0" suspended,
`contractAddress` "" for a native coin; `coin` filters."""

from __future__ import annotations

from itertools import groupby

from arbot.sim.coins import SimNetwork, text, wanted
from arbot.sim.private import Call, Reply

PATH = "/v5/asset/coin/query-info"
_NAMES = {"ETH": ("ETH", "Ethereum"), "TRX": ("TRX", "Tron"), "SOL": ("SOL", "Solana"),
          "BTC": ("BTC", "Bitcoin"), "XRP": ("XRP", "XRP"), "ARBITRUM": ("ARBI", "Arbitrum One")}


def _chain(n: SimNetwork) -> dict[str, object]:
    code, kind = _NAMES[n.chain]
    return {"chainType": kind, "confirmation": str(n.confirmations),
            "withdrawFee": text(n.withdraw_fee), "depositMin": "0",
            "withdrawMin": text(n.withdraw_min), "chain": code,
            "chainDeposit": "1" if n.deposit else "0",
            "chainWithdraw": "1" if n.withdraw else "0", "minAccuracy": "8",
            "withdrawPercentageFee": "0", "contractAddress": n.contract,
            "safeConfirmNumber": str(n.confirmations), "withdrawMax": "10000000"}


def coins(call: Call) -> Reply:
    rows = [{"name": coin, "coin": coin, "remainAmount": "10000000",
             "chains": [_chain(n) for n in chains]}
            for coin, chains in groupby(wanted(call.req.coins, call.text("coin")),
                                        key=lambda n: n.coin)]
    return Reply(200, {"retCode": 0, "retMsg": "success", "result": {"rows": rows},
                       "retExtInfo": {}, "time": call.now_ms})
