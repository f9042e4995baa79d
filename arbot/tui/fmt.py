"""Number formats for narrow columns: never an exponent, never more digits than fit."""

from __future__ import annotations

from arbot.export import plain_number


def decimals(values: list[float]) -> int:
    """The most decimals any of `values` has in its shortest exact form (venue digits)."""
    most = 0
    for value in values:
        text = plain_number(value)
        if "." in text:
            most = max(most, len(text) - text.index(".") - 1)
    return most


def qty(value: float) -> str:
    """A size in at most about 7 characters: 30583, 166.6, 0.4123, 0.00149."""
    if value >= 1000:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.4g}"
    return f"{value:.3g}" if value >= 1e-4 else plain_number(float(f"{value:.2g}"))


def figure(value: float, digits: int, *, signed: bool = False) -> str:
    """`value` to `digits` significant digits, never an exponent: a balance of 1234567
    USDT is 1234570, not 1.23457e+06; a fee of 0.00002 BTC is 0.00002, not 2e-05."""
    text = plain_number(float(f"{value:.{digits}g}")).removesuffix(".0")
    return f"+{text}" if signed and not text.startswith("-") else text
