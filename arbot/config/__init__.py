"""ArBot's configuration: settings, their sections, credentials, load errors and saving.

`from arbot.config import ArbotSettings, load_settings, ...` is the way in for everything
that reads settings; the submodules each hold one part (`settings` loads and renders,
`sections`, `frontends`, `filters`, `trading` and `simulator` are the TOML tables
(`addresses` the URL and loopback rules they share), `credentials` the API keys,
`errors` the user-facing messages, `input` the raw-input guards, `keymap` the keymap
check, `save` writes arbot.toml back, `run` says what a change of settings means for a run).
"""

from __future__ import annotations

from arbot.config.alerts import AlertsSettings
from arbot.config.credentials import (
    CREDENTIAL_ENV,
    VenueCredentials,
    load_credentials,
    missing_credentials,
)
from arbot.config.errors import ConfigError
from arbot.config.frontends import ApiSettings, UiSettings
from arbot.config.sections import (
    ExchangeSettings,
    ExchangesSettings,
    FeedSettings,
    MarketSettings,
    StorageSettings,
    StrategySettings,
)
from arbot.config.settings import (
    DEFAULT_CONFIG_PATH,
    ArbotSettings,
    load_settings,
    render_toml,
    settings_source_path,
)
from arbot.config.simulator import SimSettings, SimVenueSettings
from arbot.config.trading import PaperSettings, TradingSettings

__all__ = [
    "CREDENTIAL_ENV",
    "DEFAULT_CONFIG_PATH",
    "AlertsSettings",
    "ApiSettings",
    "ArbotSettings",
    "ConfigError",
    "ExchangeSettings",
    "ExchangesSettings",
    "FeedSettings",
    "MarketSettings",
    "PaperSettings",
    "SimSettings",
    "SimVenueSettings",
    "StorageSettings",
    "StrategySettings",
    "TradingSettings",
    "UiSettings",
    "VenueCredentials",
    "load_credentials",
    "load_settings",
    "missing_credentials",
    "render_toml",
    "settings_source_path",
]
