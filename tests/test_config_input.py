"""Hostile settings input: nesting deep enough to overflow the stack, a keymap naming bindings
or keys that do not exist, and ARBOT_* variables that name no setting. Each must end as one
config error line (exit 2 from the command line), never a traceback or a silent no-op."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import arbot
from arbot.api.server import TOKEN_ENV
from arbot.config import ArbotSettings, ConfigError, load_settings
from arbot.config.input import MAX_NESTING, setting_names
from arbot.config.keymap import BINDING_IDS

DEEP = 5000  # far past Python's recursion limit, as the attack used


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def config_error(path: Path | None = None, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as exc:
        load_settings(path, environ=environ or {})
    return str(exc.value)


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any ARBOT_* variable, plus `extra`."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("ARBOT_")} | extra


def run_arbot(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process. `--demo --no-ui --duration` on a run keeps
    it offline and bounded should the config ever be accepted."""
    return subprocess.run([sys.executable, "-m", "arbot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_one_config_line(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines[:5]
    for part in parts:
        assert part in lines[0], (part, lines[0])


# --- 13: nesting -------------------------------------------------------------------------

DEEP_FILES = {
    "array": "x = " + "[" * DEEP + "]" * DEEP + "\n",
    "inline table": "x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n",
    "dotted key": "x" + ".a" * DEEP + " = 1\n",
    "table header": "[ui.keymap" + ".a" * DEEP + "]\n",
    "array of tables": "[[market" + ".a" * DEEP + "]]\n",
    "inside a setting": "[market]\nsymbols = " + "[" * DEEP + "]" * DEEP + "\n",
}


@pytest.mark.parametrize("text", DEEP_FILES.values(), ids=DEEP_FILES.keys())
def test_deep_nesting_in_the_file_is_one_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(text)
    message = config_error(path)
    assert len(message.splitlines()) == 1, message[:500]
    assert message.startswith(f"{path}: ") and f"nested more than {MAX_NESTING} levels" in message


def test_nesting_up_to_the_limit_is_judged_as_usual(tmp_path: Path) -> None:
    n = MAX_NESTING - 1  # [market] is one level
    path = tmp_path / "ok.toml"
    path.write_text("[market]\nsymbols = " + "[" * n + "]" * n + "\n")
    message = config_error(path)
    assert "market.symbols[0]" in message and "must be a string" in message
    path.write_text("[market]\nsymbols = " + "[" * (n + 1) + "]" * (n + 1) + "\n")
    assert f"nested more than {MAX_NESTING} levels" in config_error(path)


@pytest.mark.parametrize("value", ["[" * DEEP + "]" * DEEP, "{" * DEEP, ' [["}", ' + "[" * DEEP],
                         ids=["list", "table", "a string then a deep list"])
def test_deep_json_in_the_environment_is_one_config_error(value: str) -> None:
    message = config_error(environ={"ARBOT_MARKET__SYMBOLS": value})
    assert message == (f"environment variable ARBOT_MARKET__SYMBOLS: lists or tables nested "
                       f"more than {MAX_NESTING} levels deep")


def test_brackets_inside_a_json_string_are_not_nesting() -> None:
    message = config_error(environ={"ARBOT_MARKET__SYMBOLS": '["' + "[{" * DEEP + '"]'})
    assert "market.symbols[0]" in message and "nested" not in message


@pytest.mark.parametrize("command", [["--demo", "--no-ui", "--duration", "5"], ["config", "show"]])
def test_deep_file_exits_2_with_one_line(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "arbot.toml").write_text(DEEP_FILES["array"])
    result = run_arbot(*command, cwd=tmp_path, env=clean_env())
    assert_one_config_line(result, "arbot.toml", f"nested more than {MAX_NESTING} levels")
    assert not (tmp_path / "arbot.db").exists()


# --- 14: [ui.keymap] ---------------------------------------------------------------------

@pytest.mark.parametrize(("keymap", "parts"), [
    ('quitt = "q"', ['"quitt" is not a binding id', "quit", "kill-switch", "did you mean quit"]),
    ('pause = "p"', ['"pause" is not a binding id', "pause-trading"]),
    ('quit = "ctrl+qq"', ['quit = "ctrl+qq"', '"ctrl+qq"', "not a key", "escape", "f1..f24"]),
    ('quit = "control+q"', ['"control+q"', "modifier", "ctrl"]),
    ('quit = "ctrl+ctrl+q"', ['"ctrl+ctrl+q"', "twice"]),
    ('quit = "Escape"', ['"Escape"', "not a key"]),
    ('quit = "ctrl+?"', ['"ctrl+?"', "question_mark"]),
    ('quit = "ctrl+Q"', ['"ctrl+Q"', "ctrl+shift+q"]),
    ('quit = "shift+a"', ['"shift+a"', "the shifted character itself"]),
    ('quit = "f25"', ['quit = "f25": not a key']),
    ('quit = "q,f25"', ['quit = "q,f25": "f25": not a key']),
    ('quit = ""', ['quit = ""', "empty"]),
    ('quit = "q,,w"', ['quit = "q,,w"', "empty", "comma"]),
    ('quit = "ctrl+"', ['"ctrl+"', "empty"]),
    ('quit = " "', ['quit = " "', "space"]),
    ('quit = "ctrl+\\u0001"', ['quit = "ctrl+\u0001"', "not a key"]),
])
def test_keymap_refuses_unknown_ids_and_impossible_keys(
    tmp_path: Path, keymap: str, parts: list[str]
) -> None:
    path = tmp_path / "conf.toml"
    path.write_text(f"[ui.keymap]\n{keymap}\n")
    message = config_error(path)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"{path}: ui.keymap: "), message
    for part in parts:
        assert part in message, (part, message)


def test_keymap_accepts_textual_key_names_and_orders_modifiers(tmp_path: Path) -> None:
    path = tmp_path / "conf.toml"
    path.write_text('[ui.keymap]\nquit = "shift+ctrl+q, f12"\nhelp = "?"\nlog = "question_mark"\n'
                    'kill-switch = "ctrl+exclamation_mark"\nprices = "1,f1,ctrl+shift+up"\n'
                    'back = "escape"\narm-live = "alt+a"\nsizes = "Z"\ntrades = "shift+tab"\n'
                    'export = "ctrl+full_stop"\nsettings = "é"\n')
    keymap = load_settings(path, environ={}).ui.keymap
    assert keymap == {"quit": "ctrl+shift+q,f12", "help": "?", "log": "question_mark",
                      "kill-switch": "ctrl+exclamation_mark", "prices": "1,f1,ctrl+shift+up",
                      "back": "escape", "arm-live": "alt+a", "sizes": "Z",
                      "trades": "shift+tab", "export": "ctrl+full_stop", "settings": "é"}


def test_keymap_in_the_environment_is_checked_too() -> None:
    message = config_error(environ={"ARBOT_UI__KEYMAP": '{"quitt": "q"}'})
    assert message.startswith("environment variable ARBOT_UI__KEYMAP: ui.keymap: ")
    assert '"quitt" is not a binding id' in message


def test_bad_keymap_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "arbot.toml").write_text('[ui.keymap]\nkill-swich = "k"\n')
    result = run_arbot("config", "show", cwd=tmp_path, env=clean_env())
    assert_one_config_line(result, "arbot.toml: ui.keymap: ", '"kill-swich"', "kill-switch")


# --- 15: ARBOT_* names -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "nearest"), [
    ("ARBOT_STRATGY__MIN_NET_PROFIT_BPS", "ARBOT_STRATEGY__MIN_NET_PROFIT_BPS"),
    ("ARBOT_STRATEGY_MIN_NET_PROFIT_BPS", "ARBOT_STRATEGY__MIN_NET_PROFIT_BPS"),
    ("ARBOT_STRATGY__MIN_BPS", "ARBOT_STRATEGY__MIN_"),
    ("arbot_stratgy__max_notional", "ARBOT_STRATEGY__MAX_NOTIONAL"),
    ("ARBOT_API_TOKN", "ARBOT_API_TOKEN"),
    ("arbot_api_token", "ARBOT_API_TOKEN"),  # read by its exact name only
    ("ARBOT_BINANCE_API_KEY", "BINANCE_API_KEY"),  # venue keys have no prefix
    ("ARBOT_TRADNG", "ARBOT_TRADING"),
])
def test_env_name_that_names_no_setting_is_refused_with_the_nearest(
    name: str, nearest: str
) -> None:
    message = config_error(environ={name: "hunter2-do-not-print"})
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"environment variable {name}: names no setting; did you mean "
                              f"{nearest}"), message
    assert "hunter2" not in message


def test_env_name_far_from_any_setting_lists_the_sections() -> None:
    message = config_error(environ={"ARBOT_ZZZZZZZZZZZZ": "1"})
    assert message.startswith("environment variable ARBOT_ZZZZZZZZZZZZ: names no setting; ")
    assert "ARBOT_<SECTION>__<KEY>" in message and "strategy" in message
    assert "ARBOT_API_TOKEN" in message


def test_env_names_that_are_not_settings_but_are_read_are_accepted() -> None:
    env = {"ARBOT_API_TOKEN": "t", "ARBOT_ALERT_URLS": "https://example.invalid/x",
           "ARBOT_STRATEGY__MIN_NET_PROFIT_BPS": "6", "arbot_strategy__max_notional": "50",
           "ARBOT_UI__KEYMAP__QUIT": "ctrl+q", "BINANCE_API_KEY": "k", "ARBOTX": "1"}
    s = load_settings(environ=env)
    assert (s.strategy.min_net_profit_bps, s.strategy.max_notional) == (6.0, 50.0)
    assert s.ui.keymap == {"quit": "ctrl+q"}


def test_every_arbot_variable_the_code_reads_is_accepted() -> None:
    """A variable named as a string of its own anywhere in arbot/ (as `TOKEN_ENV =
    "ARBOT_API_TOKEN"`) is read by that name; the check must know it, or setting it would
    refuse every run."""
    names = {m for p in Path(arbot.__file__).parent.rglob("*.py")
             for m in re.findall(r'"(ARBOT_[A-Z][A-Z0-9_]*)"', p.read_text(encoding="utf-8"))}
    assert TOKEN_ENV in names
    for name in names - set(setting_names(ArbotSettings)):
        assert load_settings(environ={name: "x"}) == ArbotSettings(), name


def test_misspelt_env_section_exits_2_with_one_line(tmp_path: Path) -> None:
    env = clean_env(ARBOT_STRATGY__MIN_NET_PROFIT_BPS="5")
    for command in (["config", "show"], ["--demo", "--no-ui", "--duration", "5"]):
        result = run_arbot(*command, cwd=tmp_path, env=env)
        assert_one_config_line(result, "ARBOT_STRATGY__MIN_NET_PROFIT_BPS",
                               "ARBOT_STRATEGY__MIN_NET_PROFIT_BPS")
    assert not (tmp_path / "arbot.db").exists()


def test_the_shipped_file_lists_every_binding_id() -> None:
    text = (Path(arbot.__file__).resolve().parent.parent / "arbot.toml").read_text()
    block = text[text.index("# Binding ids:"):text.index("# Keys:")]
    listed = block.replace("# Binding ids:", "").replace("#", "").replace(".", "")
    assert [i.strip() for i in listed.split(",")] == list(BINDING_IDS)
