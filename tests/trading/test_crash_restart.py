"""`kill -9` with orders in flight, then a restart: every order is settled from the
venue's own answer. A real `arbot --no-ui --arm-live` child trades on the simulator (in
this process, over real sockets), OKX answers its orders slowly, the child is killed
while an OKX order is on its way, and the next run settles it as OKX reports it."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from arbot.config import CREDENTIAL_ENV
from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import Dislocations
from tests.trading.test_live import live_runtime

SYMBOLS = ("BTC-USDT", "ETH-USDT")
SIM = SimConfig(symbols=SYMBOLS, rate=50,
                dislocations=Dislocations(rate_per_s=3.0, size_bps=40.0, life_s=1.5))
OKX_ORDER_PATH = "/api/v5/trade/order"
ANSWER_DELAY_S = 2.0


def child_env(sim: SimServer) -> dict[str, str]:
    env = dict(os.environ)
    for venue, names in CREDENTIAL_ENV.items():
        creds = sim.credentials(venue)
        values = {"api_key": creds.key, "api_secret": creds.secret,
                  "passphrase": creds.passphrase}
        for field, name in names.items():
            env[name] = values[field]
    return env


def write_config(tmp_path: Path, sim: SimServer) -> Path:
    lines = [f'[market]\nsymbols = {list(SYMBOLS)!r}\n'.replace("'", '"'),
             f'[storage]\npath = "{tmp_path / "arbot.db"}"\nflush_ms = 50\n',
             '[trading]\nmode = "live"\ncooldown_s = 0.2\nmax_trades_per_minute = 1000\n']
    for venue in Venue:
        urls = sim.urls(venue)
        lines.append(f'[exchanges.{venue}]\nws_url = "{urls.ws_url}"\n'
                     f'rest_url = "{urls.rest_url}"\n')
    path = tmp_path / "arbot.toml"
    path.write_text("".join(lines))
    return path


def okx_orders_sent(db: Path) -> list[str]:
    """Client ids of OKX orders journaled and not yet answered."""
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=0.2) as conn:
            return [cid for (cid,) in conn.execute(
                "SELECT client_order_id FROM orders WHERE venue = 'okx' AND status = 'new'")]
    except sqlite3.Error:  # schema not there yet, or busy: ask again
        return []


async def test_kill_9_with_okx_orders_in_flight_settles_them_from_okx(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SimServer(SIM) as sim:
        sim.set_rest_fault(Venue.OKX, delay_s=ANSWER_DELAY_S, path=OKX_ORDER_PATH)
        config = write_config(tmp_path, sim)
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "arbot", "--config", str(config), "--no-ui", "--arm-live",
            env=child_env(sim), stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 90
            in_flight: list[str] = []
            while not in_flight:  # an OKX order journaled; its answer is held back
                assert loop.time() < deadline, "no OKX order was sent"
                assert child.returncode is None, "arbot exited"
                await asyncio.sleep(0.05)
                in_flight = okx_orders_sent(tmp_path / "arbot.db")
            await asyncio.sleep(0.5)  # the request has reached OKX and waits there
        finally:
            if child.returncode is None:
                child.send_signal(signal.SIGKILL)
            await child.wait()
        await asyncio.sleep(ANSWER_DELAY_S + 0.5)  # OKX acts on it after the crash
        sim.clear_rest_fault(Venue.OKX)

        for venue, names in CREDENTIAL_ENV.items():  # the restart's keys
            creds = sim.credentials(venue)
            values = {"api_key": creds.key, "api_secret": creds.secret,
                      "passphrase": creds.passphrase}
            for field, name in names.items():
                monkeypatch.setenv(name, values[field])
        async with live_runtime(tmp_path, sim, armed=False) as rt:
            assert rt.trader is not None
            assert not any(cid in why for cid in in_flight
                           for why in rt.trader.risk.unsettled.values())

    with sqlite3.connect(tmp_path / "arbot.db") as db:
        for cid in in_flight:
            status, voi, filled = db.execute(
                "SELECT status, venue_order_id, filled_qty FROM orders WHERE "
                "client_order_id = ?", (cid,)).fetchone()
            okx = sim.account(Venue.OKX).order(cid)
            assert okx is not None, f"{cid} never reached OKX"
            assert voi == str(okx.order_id), (cid, status, voi)
            assert filled == pytest.approx(float(okx.filled))
            assert status != "rejected"
        open_trades = db.execute("SELECT COUNT(*) FROM trades t WHERE status = 'open' AND "
                                 "NOT EXISTS (SELECT 1 FROM orders o WHERE o.trade_id ="
                                 " t.trade_id AND o.status IN ('new', 'unknown',"
                                 " 'partially_filled'))").fetchone()[0]
        assert open_trades == 0  # every trade whose orders are settled is closed
