"""VenueSpec: everything shared code needs to know of one venue, as named data.

A spec is pure data and imports neither side of a venue: the client's adapter lives in
the venue's `public` module and the simulator's protocols in its `sim` and
`sim_private` modules, each loaded by name (`ADAPTER`, `PROTOCOL`, `PRIVATE`) by the
side that needs it. So the client never loads the simulator, and the simulator's
reading of a venue's documentation never leans on the client's.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from arbot.domain import Venue
from arbot.venues.simspec import SimSpec


@dataclass(frozen=True)
class CredentialNames:
    """The environment variables holding one venue's API key, secret and passphrase
    (None where the venue issues no passphrase)."""

    api_key: str
    api_secret: str
    passphrase: str | None = None

    def by_field(self) -> dict[str, str]:
        """Variable name by VenueCredentials field, the passphrase only where there is one."""
        names = {"api_key": self.api_key, "api_secret": self.api_secret}
        return names | ({"passphrase": self.passphrase} if self.passphrase else {})


@dataclass(frozen=True, kw_only=True)
class VenueSpec:
    """One venue: names, documented defaults, credentials, history ids and sim tables.

    `label` is the display name ("OKX", "Binance"); `short` a three-letter one for
    narrow tables. `ws_url`/`rest_url` are the public endpoints, the settings defaults
    and the adapter's. Fees are the base-tier spot rates in basis points. `tardis_id`
    is the venue's spot exchange id in Tardis.dev CSV files. `max_connection_age_s` is
    how long the venue lets one public WebSocket connection live before it cuts it
    (None: no such cut documented); the feed rotates before it, the simulator cuts at it.

    `quote_resend_s` is how often the L1 channel re-sends an unchanged book, or None
    where it pushes on change only: there a quiet symbol on a live connection is still
    the venue's top of book, and only a channel that promises re-sends lets a quote be
    judged stale on its own (docs/design.md, "Market-shaped truth").

    `private_ws_url` is the private stream's (orders, fills, balances) production
    endpoint; its path is where a stand-in (the simulator) serves it beside `rest_url`.

    `account_modes` names the modes an account can be in where each has its own private
    endpoints (Bitget: classic and unified); the first is the simulator's default, and
    `[sim.<venue>] account_mode` picks one. Empty where the venue has one kind.
    `account_mode_labels` are the same modes in the words the screens and the API show.

    `l1_channel` names the channel quotes come from, for people reading the status.
    `no_event_time` says that channel's pushes carry no venue timestamp, so the venue's
    lag cannot be measured and the status says so instead of inventing a figure
    (`arbot.exchanges.lag`).
    """

    venue: Venue
    label: str
    short: str
    ws_url: str
    rest_url: str
    taker_fee_bps: float
    maker_fee_bps: float
    credentials: CredentialNames
    tardis_id: str
    sim: SimSpec
    private_ws_url: str = ""
    max_connection_age_s: float | None = None
    quote_resend_s: float | None = None
    l1_channel: str = ""
    no_event_time: bool = False
    account_modes: tuple[str, ...] = ()
    account_mode_labels: tuple[str, ...] = ()

    def mode_label(self, mode: str | None) -> str:
        """An account mode in the screens' words ("" for none or one not known)."""
        if mode in self.account_modes:
            return self.account_mode_labels[self.account_modes.index(mode)]
        return ""

    @property
    def module(self) -> str:
        """The venue's package, holding `public`, `rest`, `sim` and `sim_private`."""
        return f"arbot.venues.{self.venue.value}"

    def load(self, module: str, name: str, base: type) -> type[Any]:
        """The class `name` of the venue's `module` (e.g. "public", "ADAPTER"), imported
        on demand so each side loads only its own modules; TypeError if it is not a
        `base`."""
        found = getattr(importlib.import_module(f"{self.module}.{module}"), name, None)
        if not (isinstance(found, type) and issubclass(found, base)):
            raise TypeError(f"{self.module}.{module}.{name} is not a {base.__name__}")
        return found
