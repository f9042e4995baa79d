"""What every venue's coin-information parser shares: reading its amounts and flags
strictly, so an answer with a field that is not a number (or a flag that is not one) is
refused whole and the last known costs stay in place (`arbot.exchanges.coins`).

Venues send amounts as text (`"0.0005"`) and flags as JSON booleans, as the strings
`"true"`/`"false"` or as `"1"`/`"0"`: each parser says which it expects through its wire
Structs, and these helpers read the values.
"""

from __future__ import annotations

import math
from typing import TypeVar

import msgspec

from arbot.coininfo import CoinNetwork, chain_key
from arbot.domain import Venue

_FLAGS = {"true": True, "1": True, "false": False, "0": False}
T = TypeVar("T")


def decoded(decoder: msgspec.json.Decoder[T], body: bytes, what: str) -> T:
    """The answer in its wire Structs; ValueError (naming `what`) on any other shape, so
    the caller keeps the last known costs."""
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise ValueError(f"{what}: {exc}") from None


def amount(value: str | float, what: str) -> float:
    """A fee or minimum: finite and >= 0, else ValueError naming the field."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} is not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} is not an amount: {value!r}")
    return number


def flag(value: str | bool, what: str) -> bool:
    """An on/off field: a JSON boolean or one of the venues' texts for one."""
    if isinstance(value, bool):
        return value
    found = _FLAGS.get(value.strip().lower())
    if found is None:
        raise ValueError(f"{what} is not a flag: {value!r}")
    return found


def count(value: str | int, what: str) -> int:
    """Confirmations: a whole number >= 0 ("" where a venue leaves it out: 0)."""
    if value == "":
        return 0
    number = amount(value, what)
    if number != int(number):
        raise ValueError(f"{what} is not a whole number: {value!r}")
    return int(number)


def network(venue: Venue, coin: str, name: str, *, contract: str, fee: float, minimum: float,
            deposit: bool, withdraw: bool, confirmations: int, minutes: float = 0.0
            ) -> CoinNetwork:
    """One row, with the shared chain name and the contract in lower case."""
    if not coin or not name:
        raise ValueError(f"a network without a coin or a name ({coin!r}, {name!r})")
    return CoinNetwork(venue=venue, coin=coin.upper(), network=name,
                       chain=chain_key(name, coin), contract=contract.strip().lower(),
                       withdraw_fee=fee, withdraw_min=minimum, deposit_open=deposit,
                       withdraw_open=withdraw, confirmations=confirmations, minutes=minutes)
