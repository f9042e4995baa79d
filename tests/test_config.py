"""Settings: priority (CLI > ARBOT_* env > file > defaults), clear errors, secrets kept out."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from arbot.config import (
    CREDENTIAL_ENV,
    ArbotSettings,
    ConfigError,
    load_credentials,
    load_settings,
    missing_credentials,
    render_toml,
    settings_source_path,
)
from arbot.domain import Venue

SHIPPED = Path(__file__).resolve().parent.parent / "arbot.toml"


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty directory so ./arbot.toml of the repo is never picked up by accident."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str, name: str = "conf.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def config_error(path: Path | None = None, **kwargs: Any) -> str:
    kwargs.setdefault("environ", {})
    with pytest.raises(ConfigError) as exc:
        load_settings(path, **kwargs)
    return str(exc.value)


# --- defaults and priority ---------------------------------------------------------------

def test_defaults_without_a_file() -> None:
    s = load_settings(environ={})
    assert type(s) is ArbotSettings and s == ArbotSettings()
    assert s.market.symbols == ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"]
    assert (s.exchanges.okx.taker_fee_bps, s.exchanges.okx.maker_fee_bps) == (10.0, 8.0)
    assert s.exchanges.binance.ws_url == "wss://stream.binance.com:9443/ws"
    assert s.exchanges.bitget.rest_url == "https://api.bitget.com"
    assert s.exchanges.enabled_venues() == list(Venue)
    assert s.strategy.min_net_profit_bps == 5.0 and s.strategy.max_quote_age_ms == 1000
    assert s.storage.record_quotes == "changes" and s.storage.retention_days == 30
    assert s.trading.mode == "paper" and s.ui.keymap == {} and s.api.port == 8765
    assert (s.trading.balance_check_s, s.trading.max_balance_drift) == (15.0, 0.01)
    assert settings_source_path() is None


def test_shipped_arbot_toml_is_exactly_the_defaults() -> None:
    assert load_settings(SHIPPED, environ={}) == load_settings(environ={})
    # every setting is present in the file, not merely defaulted (but those unset by
    # default, which TOML writes by leaving the key out)
    assert tomllib.loads(SHIPPED.read_text()) == ArbotSettings().model_dump(
        mode="json", exclude_none=True)


def test_file_values_and_partial_venue_tables_keep_venue_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, """
[exchanges.okx]
taker_fee_bps = 7
[exchanges.bybit]
enabled = false
[market]
symbols = ["BTC-USDT", "DOGE-USDC"]
[strategy]
max_quote_age_ms = 500
[trading]
mode = "off"
[ui.keymap]
quit = "ctrl+q"
""")
    s = load_settings(path, environ={})
    assert s.exchanges.okx.taker_fee_bps == 7.0
    assert s.exchanges.okx.maker_fee_bps == 8.0  # OKX's own default, not a generic one
    assert s.exchanges.okx.ws_url == "wss://ws.okx.com:8443/ws/v5/public"
    assert s.exchanges.enabled_venues() == [Venue.BINANCE, Venue.OKX, Venue.BITGET]
    assert s.market.symbols == ["BTC-USDT", "DOGE-USDC"]
    assert s.strategy.max_quote_age_ms == 500 and s.strategy.min_net_profit_bps == 5.0
    assert s.trading.mode == "off" and s.ui.keymap == {"quit": "ctrl+q"}


def test_arbot_toml_in_the_working_directory_is_the_default(tmp_path: Path) -> None:
    write(tmp_path, "[trading]\nmode = \"off\"\n", name="arbot.toml")
    assert settings_source_path() == Path("arbot.toml")
    assert load_settings(environ={}).trading.mode == "off"


def test_env_overrides_file_and_cli_overrides_env(tmp_path: Path) -> None:
    path = write(tmp_path, "[strategy]\nmin_net_profit_bps = 3.0\nmax_quote_age_ms = 800\n")
    env = {"ARBOT_STRATEGY__MIN_NET_PROFIT_BPS": "4", "arbot_storage__path": "env.db"}
    s = load_settings(path, environ=env)
    assert s.strategy.min_net_profit_bps == 4.0
    assert s.strategy.max_quote_age_ms == 800  # the file's other keys in the table survive
    assert s.storage.path == "env.db"
    s = load_settings(path, environ=env, overrides={"storage": {"path": "cli.db"}})
    assert s.storage.path == "cli.db" and s.strategy.min_net_profit_bps == 4.0


def test_nested_env_for_one_venue() -> None:
    s = load_settings(environ={"ARBOT_EXCHANGES__OKX__TAKER_FEE_BPS": "12.5"})
    assert s.exchanges.okx.taker_fee_bps == 12.5
    assert s.exchanges.okx.maker_fee_bps == 8.0
    assert s.exchanges.binance.taker_fee_bps == 10.0


def test_env_lists_are_json() -> None:
    s = load_settings(environ={"ARBOT_MARKET__SYMBOLS": '["ADA-USDT"]'})
    assert s.market.symbols == ["ADA-USDT"]
    message = config_error(environ={"ARBOT_MARKET__SYMBOLS": "ADA-USDT"})
    assert "ARBOT_MARKET__SYMBOLS" in message and "JSON" in message


def test_environ_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARBOT_TRADING__MODE", "off")
    assert load_settings().trading.mode == "off"
    assert ArbotSettings().trading.mode == "paper"  # direct construction never reads the env


def test_file_is_typed_strictly_but_env_strings_are_parsed(tmp_path: Path) -> None:
    message = config_error(write(tmp_path, '[api]\nport = "8765"\n'))
    assert "api.port" in message and '"8765"' in message and "whole number" in message
    assert load_settings(environ={"ARBOT_API__PORT": "9000"}).api.port == 9000


def test_settings_are_frozen() -> None:
    s = load_settings(environ={})
    with pytest.raises(ValidationError):
        s.trading.mode = "live"  # type: ignore[misc]


# --- broken files ------------------------------------------------------------------------

BROKEN = [
    # (file text, key, bad value as shown, what is allowed)
    ("[strategy]\nmax_quote_age_ms = 0", "strategy.max_quote_age_ms", "= 0", "between 1 and 60000"),
    ('[strategy]\nmax_quote_age_ms = "soon"', "strategy.max_quote_age_ms", '"soon"',
     "whole number between 1 and 60000"),
    ("[strategy]\nmax_notional = 0", "strategy.max_notional", "= 0", "> 0"),
    ("[strategy]\nmin_net_profit_bps = -1", "strategy.min_net_profit_bps", "-1", ">= 0"),
    ('[trading]\nmode = "yolo"', "trading.mode", '"yolo"', "one of: off, paper, live"),
    ("[trading]\nbalance_check_s = 0", "trading.balance_check_s", "= 0", "between 1 and 3600"),
    ("[trading]\nbalance_check_s = nan", "trading.balance_check_s", "NaN", "between 1 and 3600"),
    ("[trading]\nmax_balance_drift = 0", "trading.max_balance_drift", "= 0", "> 0 and <= 1"),
    ("[trading]\nmax_balance_drift = 1.5", "trading.max_balance_drift", "1.5", "> 0 and <= 1"),
    ('[trading]\nmax_balance_drift = "1%"', "trading.max_balance_drift", '"1%"', "number"),
    ('[storage]\nrecord_quotes = "some"', "storage.record_quotes", '"some"',
     "one of: all, changes, throttled, off"),
    ("[storage]\nretention_days = 4000", "storage.retention_days", "4000", "between 0 and 3650"),
    ("[storage]\nflush_ms = 5", "storage.flush_ms", "= 5", "between 10 and 10000"),
    ("[feeds]\nmax_lag_ms = 5", "feeds.max_lag_ms", "= 5", "number between 10 and 60000"),
    ('[feeds]\nmax_lag_ms = "fast"', "feeds.max_lag_ms", '"fast"', "between 10 and 60000"),
    ("[ui]\nrefresh_ms = 10", "ui.refresh_ms", "= 10", "between 50 and 5000"),
    ('[ui]\nshow_sizes = "yes"', "ui.show_sizes", '"yes"', "true or false"),
    ("[ui.keymap]\nquit = 5", "ui.keymap.quit", "= 5", "must be a string"),
    ("[api]\nport = 70000", "api.port", "70000", "between 1 and 65535"),
    ("[exchanges.okx]\ntaker_fee_bps = 120", "exchanges.okx.taker_fee_bps", "120",
     "between 0 and 100"),
    ('[exchanges.bybit]\nws_url = "https://stream.bybit.com"', "exchanges.bybit.ws_url",
     '"https://stream.bybit.com"', "ws:// or wss://"),
    ('[exchanges.bybit]\nrest_url = "ftp://x"', "exchanges.bybit.rest_url", '"ftp://x"',
     "http:// or https://"),
    ('[market]\nsymbols = ["BTC-USDT", "BTCUSDT"]', "market.symbols[1]", '"BTCUSDT"',
     "BASE-QUOTE"),
    ('[market]\nsymbols = ["BTC-USDT", "BTC-USDT"]', "market.symbols", '"BTC-USDT"',
     "duplicate symbols: BTC-USDT"),
    ("[market]\nsymbols = []", "market.symbols", "[]", "at least 1"),
    ("strategy = 5", "[strategy]", "= 5", "must be a table"),
    ("[strategy]\nbogus = 1", "strategy.bogus", "unknown key",
     "allowed: min_net_profit_bps, max_net_profit_bps, max_quote_age_ms, max_notional"),
    ("[exchanges.kraken]\nenabled = true", "exchanges.kraken", "unknown key", "bitget"),
    ("[strateg]\nmin_net_profit_bps = 1", "strateg", "unknown key", "strategy"),
]


@pytest.mark.parametrize(("text", "key", "value", "allowed"), BROKEN)
def test_broken_file_names_file_key_value_and_what_is_allowed(
    tmp_path: Path, text: str, key: str, value: str, allowed: str
) -> None:
    message = config_error(write(tmp_path, text + "\n"))
    assert len(message.splitlines()) == 1, message
    assert message.startswith(str(tmp_path / "conf.toml") + ": "), message
    for part in (key, value, allowed):
        assert part in message, (part, message)


def test_several_problems_are_listed_one_per_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[strategy]\nmax_quote_age_ms = 0\n[trading]\nmode = "yolo"\n')
    lines = config_error(path).splitlines()
    assert len(lines) == 2
    assert any("strategy.max_quote_age_ms" in ln for ln in lines)
    assert any("trading.mode" in ln for ln in lines)


def test_invalid_toml_syntax_names_the_file_and_position(tmp_path: Path) -> None:
    message = config_error(write(tmp_path, "[strategy]\nmin_net_profit_bps 5\n"))
    assert "conf.toml" in message and "invalid TOML" in message and "line 2" in message


def test_missing_file_is_an_error_only_when_named(tmp_path: Path) -> None:
    message = config_error(tmp_path / "nope.toml")
    assert "nope.toml" in message and "not found" in message
    assert load_settings(None, environ={}) == ArbotSettings()  # no ./arbot.toml: defaults


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    assert "cannot read" in config_error(tmp_path)  # a directory
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe[x]")
    assert "bin.toml" in config_error(tmp_path / "bin.toml")


def test_max_net_profit_must_exceed_min(tmp_path: Path) -> None:
    for max_bps in ("5.0", "4.0"):
        text = f"[strategy]\nmin_net_profit_bps = 5.0\nmax_net_profit_bps = {max_bps}\n"
        message = config_error(write(tmp_path, text))
        assert "conf.toml" in message and "[strategy]" in message
        assert f"max_net_profit_bps ({max_bps[0]}) must be greater than min_net_profit_bps (5)" \
            in message


def test_api_must_stay_on_loopback_unless_allowed(tmp_path: Path) -> None:
    message = config_error(write(tmp_path, '[api]\nhost = "0.0.0.0"\n'))
    assert '"0.0.0.0"' in message and "api.allow_non_loopback" in message and "conf.toml" in message
    allowed = write(tmp_path, '[api]\nhost = "0.0.0.0"\nallow_non_loopback = true\n', "ok.toml")
    assert load_settings(allowed, environ={}).api.host == "0.0.0.0"
    for host in ("localhost", "::1", "127.0.0.2"):
        assert load_settings(overrides={"api": {"host": host}}, environ={}).api.host == host


# --- environment and command-line errors -------------------------------------------------

def test_env_errors_name_the_variable() -> None:
    message = config_error(environ={"ARBOT_STRATEGY__MAX_QUOTE_AGE_MS": "soon"})
    assert message.startswith("environment variable ARBOT_STRATEGY__MAX_QUOTE_AGE_MS: ")
    assert '"soon"' in message and "between 1 and 60000" in message
    message = config_error(environ={"ARBOT_STRATEGY__MAX_NET_PROFIT_BPS": "1"})
    assert "ARBOT_STRATEGY__MAX_NET_PROFIT_BPS" in message and "greater than" in message
    message = config_error(environ={"ARBOT_UI__BOGUS": "1"})
    assert "ARBOT_UI__BOGUS" in message and "unknown key" in message


def test_override_errors_name_the_command_line() -> None:
    message = config_error(overrides={"storage": {"flush_ms": 1}})
    assert message.startswith("command line: storage.flush_ms = 1: ")


def test_a_table_switched_on_by_a_flag_blames_the_variable_that_set_the_rest() -> None:
    """`--api` only sets api.enabled; the host that makes the [api] table invalid came
    from the environment, and the message names that variable."""
    message = config_error(environ={"ARBOT_API__HOST": "0.0.0.0"},
                           overrides={"api": {"enabled": True}})
    assert message.startswith("environment variable ARBOT_API__HOST: [api]")
    message = config_error(overrides={"api": {"enabled": True, "host": "0.0.0.0"}})
    assert message.startswith("command line: [api]")


def test_file_error_is_blamed_on_the_file_even_if_env_sets_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[strategy]\nmax_quote_age_ms = 0\n")
    message = config_error(path, environ={"ARBOT_STRATEGY__MAX_QUOTE_AGE_MS": "10"})
    assert message.startswith(str(path))


# --- secrets -----------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "key", "variable"), [
    ("exchanges.binance", "api_key", "BINANCE_API_KEY"),
    ("exchanges.okx", "api_secret", "OKX_API_SECRET"),
    ("exchanges.okx", "passphrase", "OKX_API_PASSPHRASE"),
    ("exchanges.bitget", "secret", "BITGET_API_SECRET"),
    ("exchanges.bybit", "token", "BYBIT_API_KEY"),
    ("api", "token", "BINANCE_API_KEY"),  # no venue: every variable is listed
    ("credentials.bitget", "password", "BITGET_API_PASSPHRASE"),
])
def test_secret_in_file_is_refused_and_the_variable_named(
    tmp_path: Path, table: str, key: str, variable: str
) -> None:
    path = write(tmp_path, f'[{table}]\n{key} = "hunter2-do-not-print"\n')
    message = config_error(path)
    assert f"[{table}] {key}: secrets are not read from the config file" in message
    assert variable in message and "environment" in message
    assert "hunter2" not in message


def test_secret_message_matches_the_documented_form() -> None:
    path = Path("arbot.toml")
    path.write_text('[exchanges.binance]\napi_key = "x"\n')
    assert config_error(path) == (
        "arbot.toml: [exchanges.binance] api_key: secrets are not read from the config file; "
        "set BINANCE_API_KEY in the environment")


def test_secret_under_arbot_prefix_is_refused_without_echo() -> None:
    message = config_error(environ={"ARBOT_EXCHANGES__BINANCE__API_KEY": "hunter2-do-not-print"})
    assert "BINANCE_API_KEY in the environment" in message and "hunter2" not in message


def test_credentials_come_from_the_given_environment() -> None:
    env = {"BINANCE_API_KEY": "bk-123", "BINANCE_API_SECRET": " bs-456\n",
           "OKX_API_KEY": "ok", "OKX_API_SECRET": "", "ARBOT_OKX_API_PASSPHRASE": "nope"}
    creds = load_credentials(env)
    assert set(creds) == set(Venue)
    binance = creds[Venue.BINANCE]
    assert binance.api_key is not None and binance.api_key.get_secret_value() == "bk-123"
    assert binance.api_secret is not None and binance.api_secret.get_secret_value() == "bs-456"
    assert "bk-123" not in repr(binance)
    assert missing_credentials(Venue.BINANCE, binance) == []
    okx = creds[Venue.OKX]
    assert missing_credentials(Venue.OKX, okx) == ["OKX_API_SECRET", "OKX_API_PASSPHRASE"]
    assert creds[Venue.BYBIT].api_key is None
    assert sorted(n for names in CREDENTIAL_ENV.values() for n in names.values()) == sorted([
        "BINANCE_API_KEY", "BINANCE_API_SECRET", "BYBIT_API_KEY", "BYBIT_API_SECRET",
        "OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE",
        "BITGET_API_KEY", "BITGET_API_SECRET", "BITGET_API_PASSPHRASE"])


def test_render_masks_credentials_and_stays_loadable(tmp_path: Path) -> None:
    secret = "s3cr3t-value-7f1c"
    creds = load_credentials({"OKX_API_KEY": secret, "OKX_API_PASSPHRASE": secret})
    text = render_toml(load_settings(environ={}), creds)
    assert secret not in text
    assert "# OKX_API_KEY = ********" in text and "# OKX_API_SECRET = (not set)" in text
    assert "# BITGET_API_PASSPHRASE = (not set)" in text
    assert load_settings(write(tmp_path, text), environ={}) == ArbotSettings()


# --- rendering round-trips ---------------------------------------------------------------

def test_render_parses_back_to_the_same_settings(tmp_path: Path) -> None:
    s = load_settings(environ={"ARBOT_EXCHANGES__OKX__TAKER_FEE_BPS": "12.5"},
                      overrides={"ui": {"keymap": {"quit": "ctrl+q"}}, "storage": {"path": "x.db"}})
    text = render_toml(s)
    assert tomllib.loads(text) == s.model_dump(mode="json", exclude_none=True)
    assert load_settings(write(tmp_path, text), environ={}) == s


symbols = st.lists(
    st.tuples(st.from_regex(r"[A-Z0-9]{1,6}", fullmatch=True),
              st.sampled_from(["USDT", "USDC", "BTC"])).map("-".join),
    min_size=1, max_size=5, unique=True)
bps = st.floats(min_value=0, max_value=100, allow_nan=False)


@st.composite
def valid_settings(draw: st.DrawFn) -> ArbotSettings:
    low = draw(st.floats(min_value=0, max_value=1e6, allow_nan=False))
    venue = draw(st.sampled_from([v.value for v in Venue]))
    return ArbotSettings.model_validate({
        "exchanges": {venue: {"enabled": draw(st.booleans()), "taker_fee_bps": draw(bps),
                              "maker_fee_bps": draw(bps)}},
        "market": {"symbols": draw(symbols)},
        "strategy": {"min_net_profit_bps": low,
                     "max_net_profit_bps": low + draw(st.floats(min_value=1e-3, max_value=1e3)),
                     "max_quote_age_ms": draw(st.integers(1, 60000)),
                     "max_notional": (top := draw(st.floats(min_value=1e-9, max_value=1e12))),
                     "min_notional": draw(st.floats(min_value=0, max_value=top))},
        "storage": {"path": draw(st.text(min_size=1, max_size=20)),
                    "record_quotes": draw(st.sampled_from(["all", "changes", "throttled", "off"])),
                    "retention_days": draw(st.integers(0, 3650))},
        "trading": {"mode": draw(st.sampled_from(["off", "paper", "live"]))},
        "ui": {"keymap": draw(st.dictionaries(
            st.sampled_from(["quit", "pause-trading", "help"]),
            st.sampled_from(["ctrl+q", "f1,1", '"', "\\", "é", "alt+shift+question_mark"])))},
        "api": {"port": draw(st.integers(1, 65535))},
    })


@settings(max_examples=60, deadline=None)
@given(valid_settings())
def test_any_valid_settings_round_trip_through_toml(s: ArbotSettings) -> None:
    text = render_toml(s, load_credentials({}))
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), text)
        assert load_settings(path, environ={}) == s
