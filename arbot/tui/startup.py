"""Start-up warnings, collapsed: without network every venue warns at once, and one toast
each covered half the screen. Each warning that names a venue becomes that venue's note
on the Prices screen's status line; all of them are in the log panel; one notification
says how many there were and where to read them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from arbot.domain import Venue


def venue_notes(warnings: Iterable[str], venues: Iterable[Venue]) -> dict[Venue, str]:
    """Each venue's first warning that starts with its name ("bitget does not list ...")."""
    notes: dict[Venue, str] = {}
    for venue in venues:
        found = next((w for w in warnings if w.split(" ", 1)[0].rstrip(":") == venue.value),
                     None)
        if found is not None:
            notes[venue] = found
    return notes


def summary(warnings: Sequence[str], log_key: str) -> str | None:
    """One notification for every start-up warning: the only one, or how many and where."""
    if not warnings:
        return None
    if len(warnings) == 1:
        return warnings[0]
    return (f"{len(warnings)} start-up warnings, the first: {warnings[0]}. Each venue's is "
            f"its note on Prices; all are in the log ({log_key})")
