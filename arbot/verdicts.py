"""An episode's recorded verdict as a step code and a detail.

The database keeps the verdict as the engine wrote it (`passed`, or
`filtered:<filter>: <why, with numbers>`, see `domain.Verdict`), whichever version of
ArBot recorded it. Readers that group or filter by it (a CSV in a spreadsheet, the
screen's column) want a fixed code apart from the free text, so the two are split here,
in one place, on read.
"""

from __future__ import annotations


def split_verdict(verdict: str | None) -> tuple[str, str]:
    """(`passed` | `filtered:<filter>` | the recorded word, the detail or "")."""
    text = (verdict or "").strip()
    if text.startswith("filtered:"):
        name, _, detail = text.removeprefix("filtered:").partition(":")
        return f"filtered:{name.strip()}", detail.strip()
    code, _, detail = text.partition(":")
    return code.strip(), detail.strip()
