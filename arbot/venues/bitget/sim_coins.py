"""The simulator's `GET /api/v2/spot/public/coins` (docs `spot/market/Get-Coin-List`,
https://www.bitget.com/api-doc/spot/market/Get-Coin-List): public; `data[]` per coin with
`chains[]`, every value text as in the page's example (flags "true"/"false"); `coin`
filters."""

from __future__ import annotations

from itertools import groupby

from arbot.sim.coins import SimNetwork, text, wanted
from arbot.sim.wire import RestReply, RestRequest

PATH = "/api/v2/spot/public/coins"
_NAMES = {"ETH": "ERC20", "TRX": "TRC20", "SOL": "SOL", "BTC": "BTC", "XRP": "XRP",
          "ARBITRUM": "ArbitrumOne"}


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _chain(n: SimNetwork) -> dict[str, object]:
    return {"chain": _NAMES[n.chain], "needTag": "false", "withdrawable": _flag(n.withdraw),
            "rechargeable": _flag(n.deposit), "withdrawFee": text(n.withdraw_fee),
            "extraWithdrawFee": "0", "depositConfirm": str(n.confirmations),
            "withdrawConfirm": str(n.confirmations), "minDepositAmount": "0",
            "minWithdrawAmount": text(n.withdraw_min), "browserUrl": "",
            "contractAddress": n.contract, "withdrawStep": "0", "withdrawMinScale": "8",
            "congestion": "normal"}


def coins(req: RestRequest) -> RestReply:
    data = [{"coinId": str(i + 1), "coin": coin, "transfer": "true",
             "chains": [_chain(n) for n in chains]}
            for i, (coin, chains) in enumerate(groupby(wanted(req.coins, req.query.get("coin")),
                                                       key=lambda n: n.coin))]
    return 200, {"code": "00000", "msg": "success", "requestTime": req.now_ms, "data": data}
