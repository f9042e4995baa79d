"""No API secret ever reaches output, logs or files: scan everything a run writes."""

from __future__ import annotations

import os
from pathlib import Path

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
        run_arbot("import-raw", "--venue", "okx", str(OKX_TICKERS), cwd=tmp_path, env=env),
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
