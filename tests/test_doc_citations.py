"""Every document a comment cites can be opened from the repository.

Comments and docstrings cite the venues' own pages or this repository's `docs/`
(docs/design.md, "Small typed modules"). A citation of a design note, protocol file or
folder outside the repository leaves the reader nowhere to go; a citation of
`docs/design.md, "<rule>"` or `docs/venues/<venue>.md` must name a page and heading
that exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import arbot

REPO = Path(arbot.__file__).resolve().parent.parent
SCANNED = ("arbot", "tests", "bench", "docs")
SUFFIXES = (".py", ".md", ".toml", ".tcss", ".sql")
# Documents that lived beside the repository while it was written, never inside it.
OUTSIDE = re.compile(r"DESIGN rule|DESIGN §|DESIGN\.md|ORIGINAL-ARCHITECTURE|"
                     r"protocols(-private)?\.md|\.\./shared|\.\./protocols")
DESIGN_CITE = re.compile(r'docs/design\.md,\s+"([^"]+)"')
VENUE_NOTE = re.compile(r"docs/venues/([a-z]+)\.md")


def _files() -> list[Path]:
    me = Path(__file__).resolve()
    return sorted(p for top in SCANNED for p in (REPO / top).rglob("*")
                  if p.suffix in SUFFIXES and p.is_file() and p.resolve() != me
                  and ".venv" not in p.parts)


def _headings(page: Path) -> set[str]:
    return {line.lstrip("#").strip() for line in page.read_text().splitlines()
            if line.startswith("#")}


def test_the_scan_sees_the_code_and_the_docs() -> None:
    names = {p.relative_to(REPO).as_posix() for p in _files()}
    assert {"arbot/exchanges/feed.py", "docs/design.md", "tests/fixtures/SOURCES.md"} <= names


def test_no_comment_cites_a_document_outside_the_repository() -> None:
    found = [f"{p.relative_to(REPO)}:{n}: {line.strip()}"
             for p in _files()
             for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
             if OUTSIDE.search(line)]
    assert found == []


def test_design_citations_name_a_heading_of_docs_design() -> None:
    headings = _headings(REPO / "docs" / "design.md")
    cited: dict[str, list[str]] = {}
    for p in _files():
        # A citation may wrap onto the next line of a comment or docstring.
        text = re.sub(r"\s*\n\s*#?\s*", " ", p.read_text(errors="replace"))
        for name in DESIGN_CITE.findall(text):
            cited.setdefault(name, []).append(p.relative_to(REPO).as_posix())
    assert cited, "no citation of docs/design.md found: the pattern is stale"
    missing = {name: files for name, files in cited.items() if name not in headings}
    assert missing == {}


@pytest.mark.parametrize("venue", ["binance", "bybit", "okx", "bitget"])
def test_each_venue_has_notes_with_the_sections_comments_cite(venue: str) -> None:
    page = REPO / "docs" / "venues" / f"{venue}.md"
    assert {"Public stream", "Heartbeat", "Subscribe limits", "Signing", "Timestamp window",
            "REST endpoints and limits", "Errors ArBot maps"} <= _headings(page)


def test_cited_venue_notes_exist() -> None:
    cited = {m for p in _files() for m in VENUE_NOTE.findall(p.read_text(errors="replace"))}
    assert cited >= {"binance", "bybit", "okx", "bitget"}
    assert {v for v in cited if not (REPO / "docs" / "venues" / f"{v}.md").is_file()} == set()
