"""Accounts that come in modes with their own private endpoints, as data an adapter
declares (a classic account on one set of endpoints, a unified one on another).

Pure: the request that asks the venue for the mode, how its answer is read, and what a
refusal of that request means. `private.PrivateClient` asks once, keeps the mode, and
when the venue later refuses a request as meant for the other mode (it acts on none of
them), takes the other mode and sends the request once more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from arbot.exchanges.signing import Credentials, SignedRequest


@dataclass(frozen=True)
class AccountModes:
    """A venue's two account modes.

    `sign_probe` builds the signed request whose answer names the mode, `parse_probe`
    reads it (a mode of `modes`, or the venue's word for a state that is neither yet,
    such as an upgrade in progress; ValueError if unreadable). A probe refused as
    ACCOUNT_MODE means `refused_means` (the endpoint exists only in the other mode).
    """

    modes: tuple[str, str]
    sign_probe: Callable[[Credentials, int], SignedRequest]
    parse_probe: Callable[[bytes], str]
    refused_means: str

    def other(self, mode: str) -> str:
        """The mode a refusal in `mode` points to."""
        first, second = self.modes
        return second if mode == first else first
