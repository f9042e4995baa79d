"""ArBot settings: one validated object from CLI overrides > ARBOT_* environment > arbot.toml.

Every section is a small frozen model that rejects unknown keys, so a typo in arbot.toml
is an error rather than a setting silently ignored. API keys never live here: they come
from each venue's own environment variables (`arbot.config.credentials`), so settings can
be printed, saved and logged without any chance of leaking a key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from arbot.config.alerts import AlertsSettings
from arbot.config.credentials import (
    CREDENTIAL_ENV,
    VenueCredentials,
    secret_advice,
    secret_lines,
)
from arbot.config.errors import Blame, ConfigError, describe_errors
from arbot.config.filters import FiltersSettings
from arbot.config.frontends import ApiSettings, ServeSettings, UiSettings
from arbot.config.input import TOO_DEEP, check_environment, check_file_nesting
from arbot.config.inventory import InventorySettings
from arbot.config.sections import (
    ExchangesSettings,
    FeedSettings,
    MarketSettings,
    StorageSettings,
    StrategySettings,
)
from arbot.config.simulator import SimSettings
from arbot.config.trading import TradingSettings
from arbot.domain import Venue

DEFAULT_CONFIG_PATH = Path("arbot.toml")


class ArbotSettings(BaseSettings):
    """All of ArBot's settings. Build it with `load_settings`; constructing it directly
    gives defaults plus the keyword arguments, never the process environment or a file."""

    model_config = SettingsConfigDict(
        env_prefix="ARBOT_", env_nested_delimiter="__", extra="forbid", frozen=True)
    exchanges: ExchangesSettings = Field(default_factory=ExchangesSettings, description="Venues.")
    market: MarketSettings = Field(default_factory=MarketSettings, description="Symbols.")
    strategy: StrategySettings = Field(default_factory=StrategySettings, description="Detection.")
    filters: FiltersSettings = Field(default_factory=FiltersSettings, description="Filters.")
    storage: StorageSettings = Field(default_factory=StorageSettings, description="Recording.")
    feeds: FeedSettings = Field(default_factory=FeedSettings, description="Feed health.")
    trading: TradingSettings = Field(default_factory=TradingSettings, description="Execution.")
    inventory: InventorySettings = Field(default_factory=InventorySettings,
                                         description="Inventory and transfers.")
    ui: UiSettings = Field(default_factory=UiSettings, description="Terminal UI.")
    api: ApiSettings = Field(default_factory=ApiSettings, description="REST API.")
    alerts: AlertsSettings = Field(default_factory=AlertsSettings, description="Alerts.")
    serve: ServeSettings = Field(default_factory=ServeSettings, description="UI in a browser.")
    sim: SimSettings = Field(default_factory=SimSettings, description="Built-in simulator.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments only: tests and other modules get deterministic settings."""
        return (init_settings,)


def _loader(file_data: dict[str, Any], environ: Mapping[str, str]) -> type[ArbotSettings]:
    """A subclass whose source hook is bound to this load's file and environment.

    `settings_customise_sources` is a classmethod with no per-call arguments, so binding
    here is what lets the file be chosen at load time without a global or a ContextVar.
    """

    class _Load(ArbotSettings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            env = EnvSettingsSource(settings_cls)
            env.env_vars = {k.lower(): v for k, v in environ.items()}  # injected, not os.environ
            return init_settings, env, InitSettingsSource(settings_cls, init_kwargs=file_data)

    return _Load


def settings_source_path(config_path: Path | None = None) -> Path | None:
    """The file `load_settings` reads: the one named, else ./arbot.toml if present, else none."""
    if config_path is not None:
        return config_path
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.is_file() else None


def load_settings(
    config_path: Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ArbotSettings:
    """Settings from `overrides` (nested, from CLI flags) > ARBOT_* environment > the file.

    Raises ConfigError naming the file or variable, the key, the value and what is allowed.
    """
    path = settings_source_path(config_path)
    env = os.environ if environ is None else environ
    over = dict(overrides or {})
    data = _read_toml(path) if path is not None else {}
    if path is not None:
        check_file_nesting(data, path)
        secrets = secret_lines(data, path)
        if secrets:
            raise ConfigError("\n".join(secrets))
        _check_file(data, path)
    check_environment(env, ArbotSettings,
                      (n for names in CREDENTIAL_ENV.values() for n in names.values()))
    blame = Blame(file=path, environ=env, overrides=over)
    try:
        loaded = _loader(data, env)(**over)
    except ValidationError as exc:
        raise ConfigError("\n".join(describe_errors(exc.errors(), ArbotSettings, blame,
                                                    secret_advice))) from None
    except SettingsError as exc:  # an ARBOT_* list or table that is not valid JSON
        raise ConfigError(_env_json_error(exc, env)) from None
    values = {name: getattr(loaded, name) for name in ArbotSettings.model_fields}
    return ArbotSettings.model_construct(_fields_set=loaded.model_fields_set, **values)


def _env_json_error(exc: SettingsError, environ: Mapping[str, str]) -> str:
    found = re.search(r'field "(\w+)"', str(exc))
    prefix = "ARBOT_" + (found.group(1).upper() if found else "")
    names = ", ".join(sorted(k for k in environ if k.upper().startswith(prefix))) or prefix
    return (f"environment variable {names}: not valid JSON; lists and tables in the environment "
            "are written as JSON, e.g. ARBOT_MARKET__SYMBOLS='[\"BTC-USDT\"]'")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses per nested list or inline table
        raise ConfigError(f"{path}: {TOO_DEEP}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None


def _check_file(data: dict[str, Any], path: Path) -> None:
    """Validate the file alone and strictly: TOML is typed, so `port = "80"` is a mistake."""
    errors: list[dict[str, Any]] = []
    for name, section in data.items():
        info = ArbotSettings.model_fields.get(name)
        if info is None or not isinstance(info.annotation, type):
            errors.append({"type": "extra_forbidden", "loc": (name,), "msg": "", "input": None})
            continue
        try:
            info.annotation.model_validate(section, strict=True)
        except ValidationError as exc:
            errors.extend({**e, "loc": (name, *e["loc"])} for e in exc.errors())
    if errors:
        raise ConfigError("\n".join(describe_errors(errors, ArbotSettings, Blame(file=path))))




def render_toml(
    settings: ArbotSettings, credentials: Mapping[Venue, VenueCredentials] | None = None
) -> str:
    """The effective settings as loadable TOML; credentials, if given, masked in comments.

    Credentials go in comments, not a table, so the output can be saved as arbot.toml.
    Unset values (None: e.g. a simulated venue's lag left to its profile) are left out,
    as TOML has no null and a missing key is what unset means there.
    """
    text = ("# Effective ArBot settings: command line > ARBOT_* environment > arbot.toml > "
            "defaults.\n\n" + tomlkit.dumps(settings.model_dump(mode="json", exclude_none=True)))
    if credentials is not None:
        text += "\n# Credentials, from the environment only (never read from this file):\n"
        for venue, names in CREDENTIAL_ENV.items():
            creds = credentials.get(venue, VenueCredentials())
            for field, name in names.items():
                shown = "********" if getattr(creds, field) is not None else "(not set)"
                text += f"# {name} = {shown}\n"
    return text
