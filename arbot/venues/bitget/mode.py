"""Bitget's two account modes and how to tell them apart.

A classic account trades through `/api/v2/spot/*` (`rest`), a unified trading account
(UTA) through `/api/v3/*` (`rest_uta`); each mode refuses the other's endpoints. The
mode is asked with "Get Account Info" (`https://www.bitget.com/api-doc/uta/account/
Get-Account-Setting`), a UTA endpoint: a unified account answers with its
`accountMode`, a classic one is refused (40084, "You are in Classic Account mode, and
the Unified Account API is not supported at this time", as live clients report it; the
UTA error page lists 25245 "The account is not the unified account mode").
"""

from __future__ import annotations

import msgspec

from arbot.exchanges.accountmode import AccountModes
from arbot.exchanges.signing import Credentials, SignedRequest
from arbot.venues.bitget import SPEC
from arbot.venues.bitget.rest import signed

CLASSIC, UTA = SPEC.account_modes
SETTINGS_PATH = "/api/v3/account/settings"

# `accountMode`: "`unified` Unified Mode, `hybrid` Hybrid Mode, `upgrading` Unified
# Account Upgrading, `switching` Classic Account Switching". Both settled modes trade
# through the unified endpoints; the other two are on their way and trade through none.
_UNIFIED = frozenset(("unified", "hybrid"))


class _Settings(msgspec.Struct):
    accountMode: str


class _SettingsResponse(msgspec.Struct):
    data: _Settings


_settings = msgspec.json.Decoder(_SettingsResponse)


def sign_probe(creds: Credentials, ts_ms: int) -> SignedRequest:
    """`GET /api/v3/account/settings` (20/s per UID, no parameters)."""
    return signed(creds, "GET", SETTINGS_PATH, {}, ts_ms)


def parse_probe(body: bytes) -> str:
    """`{"code":"00000","msg":"success","requestTime":1753787749280,"data":{"uid":
    "1111111111","accountMode":"hybrid","assetMode":"multi_assets",...}}` -> "uta";
    an upgrade or a switch in progress comes back as the venue's word for it."""
    mode = _settings.decode(body).data.accountMode
    return UTA if mode in _UNIFIED else mode


ACCOUNT_MODES = AccountModes(modes=(CLASSIC, UTA), sign_probe=sign_probe, parse_probe=parse_probe,
                             refused_means=CLASSIC)
