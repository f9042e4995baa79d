"""An instrument's trading rules must be numbers an order can be built from.

Orders are quantized to the venue's tick and lot (`arbot.trading.quantize`): a tick or lot
that is zero, negative or no finite number ("NaN", "") would divide by zero, raise, or
round prices to whole units. A venue list carrying such a rule for a symbol (a venue bug,
a changed format, a proxy's placeholder) is no rule at all: the instrument stays listed,
so its quotes still show, but it is not tradable, and pre-flight says why by its status.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import msgspec

from arbot.domain import Instrument


def rules_problem(inst: Instrument) -> str | None:
    """Which rule is unusable: tick and lot must be positive, the minimums not negative
    (empty minimums mean none), all finite decimals; None when every one is."""
    rules = (("tick", inst.tick_size, True), ("lot", inst.lot_size, True),
             ("min qty", inst.min_qty or "0", False),
             ("min notional", inst.min_notional or "0", False))
    for name, text, positive in rules:
        try:
            value = Decimal(text)
        except (InvalidOperation, ValueError):
            return f"{name} {text!r}"
        if not value.is_finite() or value < 0 or (positive and value == 0):
            return f"{name} {text!r}"
    return None


def checked(inst: Instrument) -> Instrument:
    """`inst`, or a copy that is not tradable, its status naming the unusable rule."""
    problem = rules_problem(inst)
    if problem is None:
        return inst
    return msgspec.structs.replace(inst, trading=False,
                                   status=f"unusable trading rules ({problem})")
