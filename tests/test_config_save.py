"""Saving settings from the UI: comments survive, bad values and secrets are refused with
the file untouched, writes are atomic, and what is saved loads back the same."""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import tomlkit.parser

from arbot.config import ConfigError, load_settings
from arbot.config import save as config_save
from arbot.config.save import SaveError, save_settings, validate_changes

SHIPPED = Path(__file__).resolve().parent.parent / "arbot.toml"


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    """The shipped arbot.toml plus a trader's own comments, inline and on their own line."""
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace("[exchanges.okx]\nenabled = true\n",
                        "[exchanges.okx]\n# my VIP account\nenabled = true   # flaky on Mondays\n")
    text = text.replace("taker_fee_bps = 10.0\nmaker_fee_bps = 8.0",
                        "taker_fee_bps = 10.0  # tier 0\nmaker_fee_bps = 8.0")
    path = tmp_path / "arbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)))
    return ([d[2:] for d in diff if d.startswith("- ")],
            [d[2:] for d in diff if d.startswith("+ ")])


def refused(path: Path, changes: dict[str, Any]) -> SaveError:
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    with pytest.raises(SaveError) as exc:
        save_settings(path, changes)
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temp file left behind"
    return exc.value


# --- what is written --------------------------------------------------------------------

def test_only_the_changed_values_change_and_comments_survive(conf: Path) -> None:
    before = conf.read_text(encoding="utf-8")
    saved = save_settings(conf, {
        "strategy.min_net_profit_bps": 7.5,
        "exchanges.okx.enabled": False,
        "exchanges.okx.taker_fee_bps": 6.0,
        "market.symbols": ["BTC-USDT", "ETH-USDT"],
        "filters.trend.enabled": False,
        "storage.record_quotes": "throttled",
    })
    removed, added = changed_lines(before, conf.read_text(encoding="utf-8"))
    assert removed == [
        "enabled = true   # flaky on Mondays\n", "taker_fee_bps = 10.0  # tier 0\n",
        'symbols = ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"]\n',
        "min_net_profit_bps = 5.0\n", "enabled = true\n", 'record_quotes = "changes"\n']
    assert added == [
        "enabled = false   # flaky on Mondays\n", "taker_fee_bps = 6.0  # tier 0\n",
        'symbols = ["BTC-USDT", "ETH-USDT"]\n', "min_net_profit_bps = 7.5\n",
        "enabled = false\n", 'record_quotes = "throttled"\n']
    assert saved.strategy.min_net_profit_bps == 7.5 and not saved.filters.trend.enabled
    assert saved.exchanges.okx.enabled is False and saved.exchanges.okx.taker_fee_bps == 6.0
    assert saved.exchanges.okx.maker_fee_bps == 8.0 and saved.filters.volume.enabled
    assert saved.market.symbols == ["BTC-USDT", "ETH-USDT"]
    assert load_settings(conf, environ={}) == saved


def test_a_whole_number_for_a_float_setting_is_written_as_a_float(conf: Path) -> None:
    save_settings(conf, {"strategy.max_notional": 250, "strategy.max_quote_age_ms": 800})
    text = conf.read_text(encoding="utf-8")
    assert "\nmax_notional = 250.0\n" in text and "\nmax_quote_age_ms = 800\n" in text


def test_new_keys_go_after_the_tables_last_value_not_after_trailing_comments(
        conf: Path) -> None:
    before = conf.read_text(encoding="utf-8")
    saved = save_settings(conf, {"ui.keymap.quit": "ctrl+q"})
    after = conf.read_text(encoding="utf-8")
    assert '# quit = "ctrl+q"\nquit = "ctrl+q"\n\n# -----' in after
    assert changed_lines(before, after) == ([], ['quit = "ctrl+q"\n'])
    assert saved.ui.keymap == {"quit": "ctrl+q"}


def test_none_removes_a_key_so_the_default_applies(conf: Path) -> None:
    save_settings(conf, {"strategy.min_notional": 20.0})
    saved = save_settings(conf, {"strategy.min_notional": None, "strategy.nothing_here": None})
    assert "min_notional =" not in conf.read_text(encoding="utf-8")
    assert saved.strategy.min_notional == 10.0


def test_missing_tables_are_created_in_a_minimal_file(tmp_path: Path) -> None:
    path = tmp_path / "arbot.toml"
    path.write_text("# mine\n", encoding="utf-8")
    saved = save_settings(path, {"exchanges.okx.enabled": False, "strategy.max_notional": 50.0,
                                 "filters.trend.min_updates": 5})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# mine\n")
    assert "[exchanges.okx]\nenabled = false\n" in text and "[exchanges]" not in text
    assert "[filters.trend]\nmin_updates = 5\n" in text
    assert saved.exchanges.okx.enabled is False and saved.exchanges.okx.taker_fee_bps == 10.0
    assert load_settings(path, environ={}) == saved


def test_inline_and_dotted_tables_are_edited_in_place(tmp_path: Path) -> None:
    path = tmp_path / "arbot.toml"
    path.write_text("[exchanges]\nokx = { enabled = true, maker_fee_bps = 8.0 }  # inline\n\n"
                    "[filters]\ntrend.enabled = true\ntrend.min_updates = 3\n", encoding="utf-8")
    saved = save_settings(path, {"exchanges.okx.enabled": False, "filters.trend.enabled": False})
    assert path.read_text(encoding="utf-8") == (
        "[exchanges]\nokx = { enabled = false, maker_fee_bps = 8.0 }  # inline\n\n"
        "[filters]\ntrend.enabled = false\ntrend.min_updates = 3\n")
    assert not saved.exchanges.okx.enabled and not saved.filters.trend.enabled


def test_a_missing_file_starts_as_the_shipped_documented_one(tmp_path: Path) -> None:
    path = tmp_path / "arbot.toml"
    saved = save_settings(path, {"strategy.min_net_profit_bps": 6.0})
    removed, added = changed_lines(SHIPPED.read_text(encoding="utf-8"),
                                   path.read_text(encoding="utf-8"))
    assert (removed, added) == (["min_net_profit_bps = 5.0\n"], ["min_net_profit_bps = 6.0\n"])
    assert load_settings(path, environ={}) == saved


def test_a_missing_file_without_the_shipped_one_is_a_minimal_document(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_save, "SHIPPED_CONFIG", tmp_path / "nowhere.toml")
    path = tmp_path / "arbot.toml"
    saved = save_settings(path, {"ui.refresh_ms": 500})
    assert path.read_text(encoding="utf-8").endswith("[ui]\nrefresh_ms = 500\n")
    assert saved.ui.refresh_ms == 500 and load_settings(path, environ={}) == saved


def test_layers_on_top_are_kept_in_the_returned_settings(conf: Path) -> None:
    saved = save_settings(conf, {"ui.refresh_ms": 300}, overrides={"storage": {"path": "x.db"}},
                          environ={"ARBOT_STRATEGY__MAX_NOTIONAL": "55"})
    assert (saved.ui.refresh_ms, saved.storage.path, saved.strategy.max_notional) == (
        300, "x.db", 55.0)
    assert 'path = "arbot.db"' in conf.read_text(encoding="utf-8")


def test_validate_changes_writes_nothing(conf: Path) -> None:
    before = conf.read_bytes()
    assert validate_changes(conf, {"ui.refresh_ms": 999}).ui.refresh_ms == 999
    assert conf.read_bytes() == before


# --- what is refused ----------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "key", "expected"), [
    ({"strategy.max_quote_age_ms": 0}, "strategy.max_quote_age_ms",
     "strategy.max_quote_age_ms = 0: must be a whole number between 1 and 60000"),
    ({"exchanges.okx.taker_fee_bps": 101.0}, "exchanges.okx.taker_fee_bps",
     "exchanges.okx.taker_fee_bps = 101.0: must be a number between 0 and 100"),
    ({"storage.record_quotes": "sometimes"}, "storage.record_quotes",
     'storage.record_quotes = "sometimes": must be one of: all, changes, throttled, off'),
    ({"market.symbols": ["btc"]}, "market.symbols",
     "market.symbols[0] = \"btc\": symbol 'btc' is not of the form BASE-QUOTE"),
    ({"ui.refresh_ms": "fast"}, "ui.refresh_ms",
     'ui.refresh_ms = "fast": must be a whole number between 50 and 5000'),
    ({"strategy.min_net_profit_bps": 300.0}, "strategy",
     "[strategy]: max_net_profit_bps (200) must be greater than min_net_profit_bps (300)"),
    ({"strategy.typo": 1}, "strategy.typo", "strategy.typo: unknown key; allowed: "),
])
def test_an_invalid_value_leaves_the_file_untouched_and_names_the_key(
        conf: Path, changes: dict[str, Any], key: str, expected: str) -> None:
    error = refused(conf, changes)
    assert isinstance(error, ConfigError)
    assert [p.key for p in error.problems] == [key]
    assert error.problems[0].text.startswith(expected)
    assert str(error).startswith(f"{conf}: {expected}") and "\n" not in str(error)


def test_every_problem_is_reported_one_per_line(conf: Path) -> None:
    error = refused(conf, {"ui.refresh_ms": 1, "api.port": 0, "exchanges.bybit.enabled": "no"})
    assert sorted(p.key or "" for p in error.problems) == [
        "api.port", "exchanges.bybit.enabled", "ui.refresh_ms"]
    assert len(str(error).splitlines()) == 3


@pytest.mark.parametrize(("key", "variable"), [
    ("exchanges.okx.api_key", "OKX_API_KEY"),
    ("exchanges.bitget.passphrase", "BITGET_API_PASSPHRASE"),
    ("exchanges.binance.api_secret", "BINANCE_API_SECRET"),
    ("api.token", "BINANCE_API_KEY"),
    ("api.password.x", "BINANCE_API_KEY"),
])
def test_secrets_are_never_written(conf: Path, key: str, variable: str) -> None:
    error = refused(conf, {key: "hunter2-very-secret", "ui.refresh_ms": 300})
    assert [p.key for p in error.problems] == [key]
    assert "secrets are never written to the config file" in str(error)
    assert variable in str(error) and "hunter2" not in str(error)


def test_a_key_below_a_value_is_refused(conf: Path) -> None:
    error = refused(conf, {"strategy.max_notional.cap": 5})
    assert "strategy.max_notional is a value, not a table" in str(error)


def test_a_broken_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "arbot.toml"
    path.write_text("[strategy\nmin = 1\n", encoding="utf-8")
    error = refused(path, {"ui.refresh_ms": 300})
    assert error.problems[0].key is None and "invalid TOML" in str(error)


@pytest.mark.parametrize("depth", [150, 5000])
@pytest.mark.parametrize("lift_tomlkit_limit", [False, True])
def test_a_deeply_nested_file_is_refused_in_one_line_not_overwritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, depth: int,
        lift_tomlkit_limit: bool) -> None:
    """tomlkit >= 0.13 refuses nesting past 100 levels itself; an older one (allowed by
    pyproject) recurses until the stack runs out. Either way: one problem, file untouched."""
    if lift_tomlkit_limit:
        monkeypatch.setattr(tomlkit.parser.Parser, "MAX_NESTING_DEPTH", 10**9, raising=False)
    path = tmp_path / "arbot.toml"
    path.write_text("x = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    error = refused(path, {"ui.refresh_ms": 300})
    assert len(error.problems) == 1 and len(str(error).splitlines()) == 1
    assert "nested more than 100 levels" in str(error)


def test_a_keymap_naming_no_binding_is_refused(conf: Path) -> None:
    error = refused(conf, {"ui.keymap.quitt": "q"})
    assert [p.key for p in error.problems] == ["ui.keymap"]
    assert '"quitt" is not a binding id' in str(error)


# --- how it is written ------------------------------------------------------------------

def test_an_unwritable_location_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    path = blocker / "arbot.toml"  # tests run as root: a file as parent is unwritable anyway
    with pytest.raises(SaveError, match=r"cannot write config file"):
        save_settings(path, {"ui.refresh_ms": 300})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-dir"]


def test_a_failure_mid_write_leaves_the_old_file_whole(
        conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = conf.read_bytes()

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("arbot.config.save.os.replace", fail)
    with pytest.raises(SaveError, match="No space left on device"):
        save_settings(conf, {"ui.refresh_ms": 300})
    assert conf.read_bytes() == before
    assert [p.name for p in conf.parent.iterdir()] == [conf.name]


def test_the_file_mode_and_a_symlink_are_kept(conf: Path, tmp_path: Path) -> None:
    conf.chmod(0o640)
    link = tmp_path / "link.toml"
    link.symlink_to(conf)
    save_settings(link, {"ui.refresh_ms": 300})
    assert link.is_symlink() and stat.S_IMODE(os.stat(conf).st_mode) == 0o640
    assert "\nrefresh_ms = 300\n" in conf.read_text(encoding="utf-8")
