"""The `[sim]` section: defaults, the environment over the file, one clear line per broken
value, the demo's simulator built from it, and `arbot sim`'s flags over it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from arbot.cli import main
from arbot.cli.parser import build_parser
from arbot.cli.sim import RATE_NEEDS_STEADY, sim_overrides
from arbot.config import ArbotSettings, ConfigError, load_settings, render_toml
from arbot.config.run import needs_restart
from arbot.config.save import save_settings
from arbot.demo import sim_config
from arbot.domain import Venue
from arbot.runtime import Runtime
from arbot.sim import DEFAULT_SYMBOLS, Faults, SimConfig
from tests.conftest import until


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ./arbot.toml of the repository is ever read by accident."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf.toml"
    path.write_text(text)
    return path


def clean_env(**extra: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("ARBOT_")} | extra


# --- the section ---------------------------------------------------------------------------

def test_defaults_are_the_market_profile_with_nothing_passed_for_lag() -> None:
    sim = load_settings(environ={}).sim
    assert (sim.profile, sim.seed, sim.rate) == ("market", 0, 50.0)
    config = sim_config(ArbotSettings())
    assert (config.profile, config.seed, config.rate) == ("market", 0, 50.0)
    assert config.symbols == DEFAULT_SYMBOLS
    for venue in Venue:
        assert sim.for_venue(venue).lag_ms is None and sim.for_venue(venue).jitter_ms is None
        assert config.faults_for(venue) == Faults()  # lag and jitter: the profile's own
        assert config.max_age_for(venue) == SimConfig().max_age_for(venue)  # documented


def test_the_environment_beats_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[sim]\nprofile = "market"\nseed = 3\n[sim.okx]\nlag_ms = 10.0\n')
    s = load_settings(path, environ={"ARBOT_SIM__PROFILE": "steady",
                                     "ARBOT_SIM__OKX__LAG_MS": "120",
                                     "ARBOT_SIM__BYBIT__JITTER_MS": "7.5"})
    config = sim_config(s)
    assert (config.profile, config.seed) == ("steady", 3)
    assert config.faults_for(Venue.OKX).lag_ms == 120.0
    assert config.faults_for(Venue.BYBIT).jitter_ms == 7.5
    assert config.faults_for(Venue.BYBIT).lag_ms == Faults().lag_ms  # not set: not passed


def test_a_venue_s_faults_and_connection_age_reach_the_simulator(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, (
        '[market]\nsymbols = ["ETH-USDT"]\n'
        "[sim]\nrate = 0.0\n"
        "[sim.okx]\ndrop_every_s = 60.0\nstall_every_s = 30.0\nstall_for_s = 2.0\n"
        "garbage_rate = 0.25\nabsurd_rate = 0.5\nshutdown_every_s = 90.0\n"
        "max_connection_age_s = 0.0\n"
        "[sim.binance]\nmax_connection_age_s = 45.0\n"
        "[sim.bybit]\nbook_gap_every_s = 5.0\nbook_restart_every_s = 7.0\n"
        "book_reorder_every_s = 11.0\n"
        "[sim.bitget]\nbook_bad_checksum_every_s = 3.0\n")), environ={})
    config = sim_config(s)
    assert config.symbols == ("ETH-USDT",) and config.flooding
    assert config.faults_for(Venue.OKX) == Faults(
        drop_every_s=60.0, stall_every_s=30.0, stall_for_s=2.0, garbage_rate=0.25,
        absurd_rate=0.5, shutdown_every_s=90.0)
    assert config.faults_for(Venue.BYBIT) == Faults(
        book_gap_every_s=5.0, book_restart_every_s=7.0, book_reorder_every_s=11.0)
    assert config.faults_for(Venue.BITGET) == Faults(book_bad_checksum_every_s=3.0)
    assert config.faults_for(Venue.BINANCE) == Faults()  # 0 is off: nothing switched on
    assert config.max_age_for(Venue.OKX) is None  # 0: never
    assert config.max_age_for(Venue.BINANCE) == 45.0
    assert config.max_age_for(Venue.BITGET) == SimConfig().max_age_for(Venue.BITGET)


def test_bitget_s_account_mode_reaches_the_simulator(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, '[sim.bitget]\naccount_mode = "uta"\n'), environ={})
    accounts = sim_config(s).accounts
    assert accounts.mode_for(Venue.BITGET) == "uta" and accounts.mode_for(Venue.OKX) == ""
    unset = sim_config(load_settings(write(tmp_path, ""), environ={})).accounts
    assert unset.mode_for(Venue.BITGET) == "classic"


@pytest.mark.parametrize(("text", "line"), [
    ('[sim]\nprofile = "fast"\n', 'sim.profile = "fast": must be one of: steady, market'),
    ("[sim]\nseed = -1\n", "sim.seed = -1: must be a whole number between 0 and 4294967295"),
    ("[sim]\nrate = -5.0\n", "sim.rate = -5.0: must be a number between 0 and 100000"),
    ("[sim.okx]\nlag_ms = -1.0\n", "sim.okx.lag_ms = -1.0: must be a number between 0 and 60000"),
    ('[sim.okx]\njitter_ms = "5"\n',
     'sim.okx.jitter_ms = "5": must be a number between 0 and 60000'),
    ("[sim.bybit]\ngarbage_rate = 1.5\n",
     "sim.bybit.garbage_rate = 1.5: must be a number between 0 and 1"),
    ("[sim.bitget]\nstall_for_s = 0.0\n",
     "sim.bitget.stall_for_s = 0.0: must be a number > 0 and <= 3600"),
    ("[sim.binance]\nmax_connection_age_s = -1.0\n",
     "sim.binance.max_connection_age_s = -1.0: must be a number between 0 and 604800"),
    ("[sim.kraken]\nlag_ms = 1.0\n",
     "sim.kraken: unknown key; allowed: profile, seed, rate, binance, bybit, okx, bitget"),
    ("[sim.okx]\nbook_gap_every_s = -2.0\n",
     "sim.okx.book_gap_every_s = -2.0: must be a number between 0 and 86400"),
    ('[sim.bitget]\nbook_bad_checksum_every_s = "often"\n',
     'sim.bitget.book_bad_checksum_every_s = "often": must be a number between 0 and 86400'),
    ("[sim.bybit]\nbook_restart_every_s = 90000.0\n",
     "sim.bybit.book_restart_every_s = 90000.0: must be a number between 0 and 86400"),
    ("[sim.binance]\nbook_reorder_every_s = nan\n",
     "sim.binance.book_reorder_every_s = NaN: must be a number between 0 and 86400"),
    ("[sim.okx]\nlag = 1.0\n", "sim.okx.lag: unknown key; allowed: lag_ms, jitter_ms, "
     "drop_every_s, stall_every_s, stall_for_s, garbage_rate, absurd_rate, shutdown_every_s, "
     "max_connection_age_s, book_gap_every_s, book_bad_checksum_every_s, "
     "book_restart_every_s, book_reorder_every_s, account_mode, fake_coins, closed_networks"),
    ('[sim.okx]\naccount_mode = "uta"\n',
     "[sim]: sim.okx.account_mode 'uta': OKX has no account modes"),
    ('[sim.bitget]\naccount_mode = "unified"\n',
     "[sim]: sim.bitget.account_mode 'unified': Bitget has \"classic\", \"uta\""),
    ('[sim.bitget]\naccount_mode = ""\n', 'sim.bitget.account_mode = "": must not be empty'),
])
def test_a_broken_value_in_the_file_is_one_line_naming_the_key(
        tmp_path: Path, text: str, line: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_settings(path, environ={})
    assert str(exc.value) == f"{path}: {line}"


@pytest.mark.parametrize(("name", "value", "line"), [
    ("ARBOT_SIM__PROFILE", "Market", 'sim.profile = "Market": must be one of: steady, market'),
    ("ARBOT_SIM__OKX__LAG_MS", "slow",
     'sim.okx.lag_ms = "slow": must be a number between 0 and 60000'),
])
def test_a_broken_environment_value_is_one_line_naming_the_variable(
        name: str, value: str, line: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={name: value})
    assert str(exc.value) == f"environment variable {name}: {line}"


def test_config_check_refuses_a_broken_section_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "[sim.okx]\nabsurd_rate = 2.0\n")
    assert main(["--config", str(path), "config", "check"]) == 2
    assert capsys.readouterr().err == (
        f"arbot: {path}: sim.okx.absurd_rate = 2.0: must be a number between 0 and 1\n")


def test_rendered_settings_leave_unset_lag_out_and_load_back(tmp_path: Path) -> None:
    s = load_settings(environ={"ARBOT_SIM__OKX__LAG_MS": "80"})
    text = render_toml(s)
    assert tomllib.loads(text)["sim"]["okx"]["lag_ms"] == 80.0
    assert "lag_ms" not in tomllib.loads(text)["sim"]["binance"]
    assert load_settings(write(tmp_path, text), environ={}) == s


def test_a_saved_lag_is_written_and_none_takes_it_out_again(tmp_path: Path) -> None:
    path = tmp_path / "arbot.toml"
    assert save_settings(path, {"sim.okx.lag_ms": 50}).sim.okx.lag_ms == 50.0
    assert tomllib.loads(path.read_text())["sim"]["okx"]["lag_ms"] == 50
    assert save_settings(path, {"sim.okx.lag_ms": None}).sim.okx.lag_ms is None
    assert "lag_ms" not in tomllib.loads(path.read_text())["sim"]["okx"]


def test_a_changed_section_waits_for_the_next_start() -> None:
    steady = ArbotSettings.model_validate({"sim": {"profile": "steady"}})
    assert needs_restart(ArbotSettings(), steady) == ["sim"]


# --- the demo ------------------------------------------------------------------------------

async def test_the_demo_s_simulator_is_the_section_s(tmp_path: Path) -> None:
    settings = ArbotSettings.model_validate({
        "market": {"symbols": ["BTC-USDT"]},
        "storage": {"path": str(tmp_path / "arbot.db"), "flush_ms": 50},
        "sim": {"profile": "steady", "seed": 11, "rate": 80.0,
                "okx": {"drop_every_s": 0.3, "lag_ms": 25.0}}})
    async with Runtime(settings, demo=True) as rt:
        assert rt.sim is not None
        config = rt.sim.config
        assert (config.profile, config.seed, config.rate, config.symbols) == (
            "steady", 11, 80.0, ("BTC-USDT",))
        assert config.faults_for(Venue.OKX).lag_ms == 25.0
        stats = rt.sim.stats
        stop = asyncio.Event()
        running = asyncio.create_task(rt.run(stop), name="runtime")
        try:  # the OKX connections really are cut, and only they
            await until(lambda: stats[Venue.OKX].fault_drops > 0, "okx cut by drop_every_s")
        finally:
            stop.set()
            await running
        assert all(stats[v].fault_drops == 0 for v in Venue if v is not Venue.OKX)


def test_the_headless_demo_names_its_profile_and_seed(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "arbot", "--demo", "--no-ui", "--duration", "1"], cwd=tmp_path,
        env=clean_env(ARBOT_SIM__PROFILE="steady", ARBOT_SIM__SEED="9"),
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ", profile steady, seed 9 (prices are not real)" in done.stderr


# --- arbot sim -----------------------------------------------------------------------------

def sim_settings(*argv: str) -> ArbotSettings:
    args = build_parser().parse_args(["sim", *argv])
    return load_settings(overrides=sim_overrides(args), environ={})


def test_sim_flags_override_the_section() -> None:
    assert sim_settings().sim == ArbotSettings().sim  # no flag: [sim] as it is
    assert sim_settings("--rate", "10").sim.profile == "steady"  # --rate alone: steady
    assert sim_settings("--rate", "10").sim.rate == 10.0
    steady = sim_settings("--profile", "steady", "--seed", "4").sim
    assert (steady.profile, steady.seed, steady.rate) == ("steady", 4, 50.0)
    faulty = sim_config(sim_settings("--drop-every", "5", "--garbage-rate", "0.5"))
    assert all(faulty.faults_for(v) == Faults(drop_every_s=5.0, garbage_rate=0.5)
               for v in Venue)


def test_other_commands_have_no_sim_overrides() -> None:
    assert sim_overrides(build_parser().parse_args(["config", "show"])) == {}


def test_a_rate_with_the_market_profile_is_refused_with_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--profile", "market", "--rate", "20"]) == 2
    assert capsys.readouterr().err == f"arbot: {RATE_NEEDS_STEADY}\n"


def test_a_bad_seed_flag_is_blamed_on_the_command_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--seed", "-3"]) == 2
    assert capsys.readouterr().err == (
        "arbot: command line: sim.seed = -3: must be a whole number between 0 and 4294967295\n")


@pytest.mark.parametrize(("argv", "profile"), [([], "steady"), (["--profile", "market"], "market")])
def test_sim_banner_names_the_profile_from_the_file_or_the_flag(
        tmp_path: Path, argv: list[str], profile: str) -> None:
    (tmp_path / "arbot.toml").write_text('[sim]\nprofile = "steady"\nseed = 5\n')
    proc = subprocess.Popen([sys.executable, "-m", "arbot", "sim", "--port", "0", *argv],
                            cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first, second = proc.stdout.readline(), proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "(seed 5," in first, first + err
    assert second.startswith(f"# Profile {profile}: "), second + err
    assert proc.returncode == 0 and "Traceback" not in err
