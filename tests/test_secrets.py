"""No API secret ever reaches output, logs or files: scan everything a run writes."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from arbot.config import CREDENTIAL_ENV
from arbot.domain import Venue
from arbot.sim import SimConfig, SimServer
from arbot.sim.config import Dislocations
from tests.test_cli import run_arbot

OKX_TICKERS = Path(__file__).parent / "fixtures/okx/ws_tickers_BTC-USDT_2022-05-13.jsonl"
SECRET_VARS = [
    "BINANCE_API_KEY", "BINANCE_API_SECRET", "BYBIT_API_KEY", "BYBIT_API_SECRET",
    "OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE",
    "BITGET_API_KEY", "BITGET_API_SECRET", "BITGET_API_PASSPHRASE",
]


def test_no_secret_in_any_output_or_file(tmp_path: Path) -> None:
    env = dict(os.environ)
    secrets = {name: f"s3cr3t-{name.lower()}-7f1c" for name in SECRET_VARS}
    env.update(secrets)
    shipped = Path(__file__).resolve().parent.parent / "arbot.toml"
    (tmp_path / "arbot.toml").write_text(shipped.read_text())
    runs = [
        run_arbot("config", "show", cwd=tmp_path, env=env),
        run_arbot("config", "check", cwd=tmp_path, env=env),
        run_arbot("import", "raw", "--venue", "okx", str(OKX_TICKERS), cwd=tmp_path, env=env),
        run_arbot("export", "quotes", "-o", "out.csv", cwd=tmp_path, env=env),
    ]
    assert [r.returncode for r in runs] == [0, 0, 0, 0], [r.stderr for r in runs]
    assert "********" in runs[0].stdout  # the keys are shown as set, but masked
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"arbot.db", "out.csv", "arbot.toml"} <= {p.name for p in written}
    for value in secrets.values():
        for r in runs:
            assert value not in r.stdout and value not in r.stderr
        for path in written:
            assert value.encode() not in path.read_bytes(), path


def test_secret_in_config_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    (tmp_path / "arbot.toml").write_text('[exchanges.okx]\napi_secret = "hunter2-do-not-print"\n')
    result = run_arbot("config", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert "OKX_API_SECRET" in result.stderr and "environment" in result.stderr
    assert "hunter2-do-not-print" not in result.stderr + result.stdout


def test_no_secret_anywhere_after_a_live_run_against_the_simulator(tmp_path: Path) -> None:
    """A real `arbot --no-ui --arm-live` child trading on the simulator's private endpoints
    with keys from its environment, then export and config show: no key, secret or
    passphrase in any output or any file written (database, WAL, exports, arbot.toml)."""
    runs, placed, secrets = asyncio.run(_live_run(tmp_path))
    assert [r[0] for r in runs] == [0, 0, 0, 0], [r[2][-2000:] for r in runs]
    assert "LIVE trading ARMED" in runs[0][2] and placed > 0  # it really traded
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"arbot.db", "trades.csv", "opps.csv", "arbot.toml"} <= {p.name for p in written}
    for value in secrets:
        for _, out, err in runs:
            assert value not in out and value not in err
        for path in written:
            assert value.encode() not in path.read_bytes(), path


async def _live_run(tmp_path: Path) -> tuple[list[tuple[int, str, str]], int, list[str]]:
    sim_config = SimConfig(symbols=("BTC-USDT", "ETH-USDT"), rate=50,
                           dislocations=Dislocations(rate_per_s=2.0, size_bps=40.0))
    async with SimServer(sim_config) as sim:
        env = dict(os.environ)
        secrets = []
        for venue, names in CREDENTIAL_ENV.items():
            creds = sim.credentials(venue)
            values = {"api_key": creds.key, "api_secret": creds.secret,
                      "passphrase": creds.passphrase}
            for field, name in names.items():
                env[name] = values[field]
                secrets.append(values[field])
        toml = ['[market]\nsymbols = ["BTC-USDT", "ETH-USDT"]\n[trading]\nmode = "live"\n'
                'cooldown_s = 0.2\n']
        for venue in Venue:
            urls = sim.urls(venue)
            toml.append(f'[exchanges.{venue}]\nws_url = "{urls.ws_url}"\n'
                        f'rest_url = "{urls.rest_url}"\n')
        await asyncio.to_thread((tmp_path / "arbot.toml").write_text, "".join(toml))

        async def arbot(*args: str) -> tuple[int, str, str]:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "arbot", *args, cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), 90)
            return proc.returncode or 0, out.decode(), err.decode()

        runs = [await arbot("--no-ui", "--arm-live", "--duration", "12")]
        placed = sum(len(sim.account(v).orders) for v in Venue)
        runs += [await arbot("export", "trades", "-o", "trades.csv"),
                 await arbot("export", "opportunities", "-o", "opps.csv"),
                 await arbot("config", "show")]
    return runs, placed, [s for s in secrets if s]
