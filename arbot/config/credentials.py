"""Venue credentials, and how a secret written where it does not belong is recognised.

API keys never live in the settings: they come from each venue's own environment
variables into `VenueCredentials`, a separate object, so settings can be printed, saved and
logged without any chance of leaking a key. One word list decides what looks like a
secret, so the loader refuses one in arbot.toml or an ARBOT_* variable (naming the key,
never echoing its value) and the settings screen refuses to write one to the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from arbot.domain import Venue
from arbot.venues import VENUES

# Environment variables holding each venue's credentials, by VenueCredentials field.
CREDENTIAL_ENV: Mapping[Venue, Mapping[str, str]] = {
    v: s.credentials.by_field() for v, s in VENUES.items()}
# The passphrase's help names the venues that issue one, by label.
_PASSPHRASE_HELP = "API passphrase ({}).".format(
    ", ".join(s.label for s in VENUES.values() if s.credentials.passphrase))
_SECRET_WORDS = ("api_key", "apikey", "secret", "passphrase", "password", "token")


def secret_advice(keys: tuple[str, ...]) -> str | None:
    """How to supply a secret found at `keys`, or None if the key does not look like one."""
    leaf = keys[-1].lower().replace("-", "_") if keys else ""
    if not any(word in leaf for word in _SECRET_WORDS):
        return None
    venue = next((Venue(k) for k in keys if k in {v.value for v in Venue}), None)
    if venue is None:
        return "set it in the environment instead: " + ", ".join(
            n for names in CREDENTIAL_ENV.values() for n in names.values())
    field = "passphrase" if "pass" in leaf else "api_secret" if "secret" in leaf else "api_key"
    names = CREDENTIAL_ENV[venue]
    return f"set {names.get(field) or ' / '.join(names.values())} in the environment"


def secret_lines(data: Any, path: Path, table: tuple[str, ...] = ()) -> list[str]:
    """Every secret-looking key anywhere in the file, named without echoing its value."""
    if isinstance(data, list):
        return [line for item in data for line in secret_lines(item, path, table)]
    if not isinstance(data, Mapping):
        return []
    lines = []
    for key, value in data.items():
        advice = secret_advice((*table, key))
        if advice is None:
            lines += secret_lines(value, path, (*table, key))
        else:
            where = f"[{'.'.join(table)}] {key}" if table else key
            lines.append(f"{path}: {where}: secrets are not read from the config file; {advice}")
    return lines


class VenueCredentials(BaseModel):
    """One venue's API keys, from the environment only; SecretStr keeps them out of reprs."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    api_key: SecretStr | None = Field(None, description="API key.")
    api_secret: SecretStr | None = Field(None, description="API secret.")
    passphrase: SecretStr | None = Field(None, description=_PASSPHRASE_HELP)


def load_credentials(environ: Mapping[str, str] | None = None) -> dict[Venue, VenueCredentials]:
    """Every venue's credentials from `environ` (default os.environ); blank counts as unset."""
    env = os.environ if environ is None else environ
    out = {}
    for venue, names in CREDENTIAL_ENV.items():
        values = {f: (env.get(n) or "").strip() for f, n in names.items()}
        out[venue] = VenueCredentials(**{f: SecretStr(v) for f, v in values.items() if v})
    return out


def missing_credentials(venue: Venue, credentials: VenueCredentials) -> list[str]:
    """Environment variables the venue needs for signed requests that are not set."""
    return [n for f, n in CREDENTIAL_ENV[venue].items() if getattr(credentials, f) is None]
