"""Address rules the settings sections share: a URL names its scheme and host, and a
listener stays on loopback unless its section allows more."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def checked_url(value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise ValueError(f"must be a {allowed} URL with a host")
    return value


def is_loopback(host: str) -> bool:
    try:
        return host.lower() == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_unless_allowed(section: str, host: str, allowed: bool) -> None:
    """Refuse a non-loopback `host` unless `<section>.allow_non_loopback` is set."""
    if not allowed and not is_loopback(host):
        raise ValueError(f"{section}.host = \"{host}\" is not a loopback address; set "
                         f"{section}.allow_non_loopback = true to listen beyond this machine")
