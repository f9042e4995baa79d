"""The venue registry: one spec per Venue, each venue's code found in its own package,
and the two sides (client, simulator) loading only their own modules."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import arbot
from arbot.domain import Venue
from arbot.exchanges import ADAPTERS, Adapter
from arbot.sim.desk import PRIVATE
from arbot.sim.instruments import spec_for
from arbot.sim.private import PrivateApi
from arbot.sim.server import PROTOCOLS
from arbot.sim.wire import VenueProtocol
from arbot.venues import VENUES, VenueClasses

ROOT = Path(arbot.__file__).parent
VENUE_FILES = {"__init__.py", "coins.py", "depth.py", "private.py", "public.py", "rest.py",
               "sim.py", "sim_coins.py", "sim_private.py", "sim_stream.py"}
# Rooms only one venue needs: Bitget's unified accounts (signed REST, the mode between
# them, and the simulator's side of them); Binance's average price, which its price band
# is measured from.
OWN_FILES = {Venue.BITGET: {"mode.py", "rest_uta.py", "sim_reply.py", "sim_uta.py"},
             Venue.BINANCE: {"avgprice.py"}}


def test_every_venue_has_one_spec_in_enum_order() -> None:
    assert list(VENUES) == list(Venue)
    for venue, spec in VENUES.items():
        assert spec.venue is venue
        assert spec.module == f"arbot.venues.{venue.value}"


def test_every_venue_package_has_the_same_rooms() -> None:
    for venue in Venue:
        folder = ROOT / "venues" / venue.value
        assert {p.name for p in folder.glob("*.py")} == VENUE_FILES | OWN_FILES.get(venue,
                                                                                 set()), venue


@pytest.mark.parametrize("venue", list(Venue))
def test_each_side_finds_its_class_for_every_venue(venue: Venue) -> None:
    adapter, protocol, private = ADAPTERS[venue], PROTOCOLS[venue], PRIVATE[venue]
    assert issubclass(adapter, Adapter) and adapter.venue is venue
    assert issubclass(protocol, VenueProtocol) and protocol.venue is venue
    assert issubclass(private, PrivateApi) and private.venue is venue
    assert adapter.ws_url == VENUES[venue].ws_url
    assert adapter.rest_url == VENUES[venue].rest_url


def test_a_missing_or_wrong_class_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"arbot\.venues\.okx\.public\.PROTOCOL is not"):
        VenueClasses[Adapter]("public", "PROTOCOL", Adapter)[Venue.OKX]
    with pytest.raises(TypeError, match=r"arbot\.venues\.okx\.sim\.PROTOCOL is not a Adapter"):
        VenueClasses[Adapter]("sim", "PROTOCOL", Adapter)[Venue.OKX]


def test_credential_names_and_labels_are_distinct() -> None:
    names = [n for s in VENUES.values() for n in s.credentials.by_field().values()]
    assert len(names) == len(set(names))
    assert len({s.label for s in VENUES.values()}) == len(VENUES)
    assert len({s.tardis_id for s in VENUES.values()}) == len(VENUES)


def _imports(source: str, package: str) -> set[str]:
    """Absolute module names `source` imports, relative ones resolved in `package`; an
    imported name counts as a module too (`from . import public`)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def _client_side(name: str) -> bool:
    parts = name.split(".")
    return (name == "arbot.exchanges" or name.startswith("arbot.exchanges.")
            or (parts[:2] == ["arbot", "venues"] and len(parts) > 3
                and parts[3] in ("public", "rest", "coins")))


def test_the_simulators_venue_modules_never_import_the_client_side() -> None:
    paths = sorted((ROOT / "venues").glob("*/sim*.py"))
    assert {(p.parent.name, p.name) for p in paths} >= {
        (v.value, name) for v in Venue
        for name in ("sim.py", "sim_coins.py", "sim_private.py", "sim_stream.py")}
    offenders = [f"{path.relative_to(ROOT.parent)} imports {name}" for path in paths
                 for name in _imports(path.read_text(encoding="utf-8"),
                                      f"arbot.venues.{path.parent.name}")
                 if _client_side(name)]
    assert offenders == []


def test_the_import_check_sees_every_form_of_client_import() -> None:
    source = ("from . import rest\nfrom .public import X\nimport arbot.exchanges.base\n"
              "def f():\n    from arbot.venues.bybit import public\n"
              "from .sim import P\nfrom arbot.venues import VENUES\n")
    found = {n for n in _imports(source, "arbot.venues.okx") if _client_side(n)}
    assert found == {"arbot.venues.okx.rest", "arbot.venues.okx.public",
                     "arbot.venues.okx.public.X", "arbot.exchanges.base",
                     "arbot.venues.bybit.public"}


def _loaded_after(code: str) -> set[str]:
    script = code + "\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, timeout=120)
    return {m for m in out.stdout.split() if m.startswith("arbot")}


def test_the_simulator_runs_without_loading_the_client() -> None:
    loaded = _loaded_after("from arbot.sim.server import PROTOCOLS\n"
                           "from arbot.sim.desk import PRIVATE\n"
                           "[(PROTOCOLS[v], PRIVATE[v]) for v in PROTOCOLS]")
    assert {"arbot.venues.okx.sim", "arbot.venues.okx.sim_private"} <= loaded
    assert sorted(m for m in loaded if _client_side(m)) == []


def test_the_client_loads_no_simulator_module() -> None:
    loaded = _loaded_after("from arbot.exchanges import ADAPTERS\n"
                           "[ADAPTERS[v] for v in ADAPTERS]")
    assert "arbot.venues.okx.public" in loaded
    assert sorted(m for m in loaded if m == "arbot.sim" or m.startswith("arbot.sim.")
                  or m.endswith((".sim", ".sim_private"))) == []


def test_the_shared_machinery_names_no_venue() -> None:
    """exchanges/ and sim/ hold what every venue shares: a venue's name (in code or in a
    comment) belongs in its own package, so a new venue needs no edit there."""
    words = {w for v in Venue for w in (v.value, v.name, VENUES[v].label)}
    offenders = [f"{path.relative_to(ROOT.parent)}: {word}"
                 for package in ("exchanges", "sim")
                 for path in sorted((ROOT / package).glob("*.py"))
                 for word in sorted(words)
                 if re.search(rf"\b{re.escape(word)}\b", path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_every_spec_gives_rules_for_the_simulators_named_symbols() -> None:
    named = set(VENUES[Venue.OKX].sim.rules)
    assert named == {"BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"}
    for venue, spec in VENUES.items():
        assert set(spec.sim.rules) == named, venue
        assert spec_for("BTC-USDT").rules[venue] == spec.sim.rules["BTC-USDT"]
