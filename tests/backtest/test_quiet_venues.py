"""Freshness from the connection in a replay of imported quotes (`arbot backtest --input`).

The channels ArBot uses push on change, so a quote that stays unchanged while its venue
keeps sending other symbols is still that venue's top of book; a venue that sends nothing
at all for `[feeds] stale_after_s` is stale. An import carries no feed events, so the
replay judges each venue's liveness from its quotes. Fixtures: synthetic Tardis `quotes`
CSVs (tests/fixtures/SOURCES.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
QUIET = FIXTURES / "SYNTHETIC_tardis_quiet_venue.csv"
SILENT = FIXTURES / "SYNTHETIC_tardis_silent_venue.csv"
QUIET_GAP = FIXTURES / "SYNTHETIC_tardis_quiet_gap.csv"
MS = 1_000_000
T0_NS = 1_714_521_600_000 * MS  # the fixtures' first instant


def arbot_backtest(tmp_path: Path, csv: Path, config: str = "") -> dict[str, Any]:
    """`arbot backtest --input CSV` as a user runs it; the report's summary.json."""
    (tmp_path / "arbot.toml").write_text(config)
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "arbot", "backtest", "--input", str(csv), "--out", str(out),
         "--no-progress"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return summary


def episodes(tmp_path: Path) -> list[dict[str, str]]:
    lines = (tmp_path / "report" / "episodes.csv").read_text().splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]


def test_a_quiet_quote_on_a_live_venue_takes_part(tmp_path: Path) -> None:
    """Binance's BTC quote never changes while its ETH updates every 250 ms; OKX's BTC bid
    sits 40 bps above that quiet ask for 2 s (about 20 bps net of two 10 bps fees)."""
    summary = arbot_backtest(tmp_path, QUIET)
    assert summary["opportunities"]["count"] == 1, summary
    assert summary["opportunities"]["passed"] == 1
    assert summary["funnel"]["stale"] == 0
    (episode,) = episodes(tmp_path)
    assert (episode["symbol"], episode["buy_venue"], episode["sell_venue"]) == (
        "BTC-USDT", "binance", "okx")
    assert float(episode["net_bps_open"]) > 19.0


def test_the_old_age_rule_is_a_setting_and_drops_the_quiet_quote(tmp_path: Path) -> None:
    summary = arbot_backtest(tmp_path, QUIET, '[strategy]\nquote_freshness = "age"\n')
    assert summary["opportunities"]["count"] == 0
    assert summary["funnel"]["stale"] == 8  # every OKX BTC quote of the gap: stale


def test_a_silent_venue_is_stale_after_stale_after_s(tmp_path: Path) -> None:
    """Binance quotes once at 0 s and then sends nothing; OKX's BTC bid is 40 bps above
    Binance's last ask from 6 s to 8 s, after `stale_after_s` (5 s) of silence."""
    summary = arbot_backtest(tmp_path, SILENT)
    assert summary["opportunities"]["count"] == 0, summary
    # With a longer stale_after_s Binance is still live then, and the gap is taken.
    summary = arbot_backtest(tmp_path, SILENT, "[feeds]\nstale_after_s = 10.0\n"
                                               "silence_s = 30.0\n")
    assert summary["opportunities"]["count"] == 1, summary


def test_a_gap_between_two_quiet_books_is_traded_once_it_has_lasted(tmp_path: Path) -> None:
    """Both BTC books are quiet: OKX's bid jumps 40 bps above Binance's unchanged ask at
    1625 ms and holds for 2 s with no further BTC quote from either venue (their ETH keeps
    both live). The trend filter saw the gap on one quote only; it passes by lasting
    `min_persist_ms`, judged at the engine's sweep, and the paper trader takes it."""
    summary = arbot_backtest(tmp_path, QUIET_GAP)
    assert summary["opportunities"]["count"] == 1, summary
    assert summary["opportunities"]["passed"] == 1
    assert summary["trades"]["count"] == 1 and summary["trades"]["by_status"] == {"filled": 1}
    assert summary["funnel"]["passed"] == 1 and summary["funnel"]["filtered"] == {"trend": 1}
