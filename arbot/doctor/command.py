"""Runs every check in order and prints one line each; exit 1 when any failed.

The config is the first check rather than a precondition: a broken file is a failing
line naming the key (the other checks then cannot run), not a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from arbot import demo as demo_mod
from arbot.config import ArbotSettings, ConfigError, load_credentials, load_settings
from arbot.config.settings import settings_source_path
from arbot.demo import SimConfig
from arbot.doctor.checks import Check, Status, database_check, disk_check, key_checks
from arbot.doctor.venues import venue_checks

DEFAULT_MIN_FREE_MB = 512.0
DEFAULT_MAX_SKEW_MS = 1000.0


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """The `doctor` sub-command's flags (`commands` is the parser's sub-parsers action)."""
    doctor = commands.add_parser(
        "doctor", parents=[common], help="check config, keys, venues, clock, database and disk",
        description="Check that this machine is ready to run ArBot: one line per check, "
                    "exit 1 if any fails. Creates, migrates and locks nothing.")
    doctor.add_argument("--demo", dest="doctor_demo", action="store_true",
                        help="check against the built-in simulator instead of the venues")
    doctor.add_argument("--db", type=Path, metavar="PATH", help="database (default [storage] path)")
    doctor.add_argument("--min-free-mb", type=float, default=DEFAULT_MIN_FREE_MB, metavar="MB",
                        help=f"free disk space wanted (default {DEFAULT_MIN_FREE_MB:g})")
    doctor.add_argument("--max-skew-ms", type=float, default=DEFAULT_MAX_SKEW_MS, metavar="MS",
                        help=f"clock difference allowed per venue (default "
                             f"{DEFAULT_MAX_SKEW_MS:g})")


async def diagnose(config_path: Path | None, overrides: Mapping[str, Any], *, demo: bool,
                   min_free_mb: float = DEFAULT_MIN_FREE_MB,
                   max_skew_ms: float = DEFAULT_MAX_SKEW_MS,
                   sim_config: SimConfig | None = None,
                   environ: Mapping[str, str] | None = None) -> list[Check]:
    """Every check's line; with `demo`, the venues are the simulator (`sim_config`, or
    the one `[sim]` describes) and the keys its demo keys."""
    try:
        settings = load_settings(config_path, overrides=overrides, environ=environ)
    except ConfigError as exc:
        return [Check(Status.FAIL, "config", "; ".join(str(exc).splitlines()))]
    head = [_config_line(settings, settings_source_path(config_path))]
    if not demo:
        return head + await _checks(settings, load_credentials(environ), False, min_free_mb,
                                    max_skew_ms)
    async with demo_mod.simulator(sim_config, settings) as sim:
        settings = demo_mod.on_simulator(settings, demo_mod.endpoints(sim))
        return head + await _checks(settings, demo_mod.credentials(sim), True, min_free_mb,
                                    max_skew_ms)


async def _checks(settings: ArbotSettings, credentials: Mapping[Any, Any], demo: bool,
                  min_free_mb: float, max_skew_ms: float) -> list[Check]:
    path = settings.storage.path
    return [*key_checks(settings, credentials, demo),
            *await venue_checks(settings, max_skew_ms),
            database_check(path), disk_check(path, min_free_mb)]


def _config_line(settings: ArbotSettings, path: Path | None) -> Check:
    source = f"{path} valid" if path is not None else "no arbot.toml: defaults"
    venues = ", ".join(settings.exchanges.enabled_venues()) or "no venue enabled"
    return Check(Status.OK if settings.exchanges.enabled_venues() else Status.FAIL, "config",
                 f"{source}: {venues}; {', '.join(settings.market.symbols)}; "
                 f"{settings.trading.mode} trading")


def report(checks: list[Check]) -> int:
    """Print the lines and a closing count; the exit code (1 when any check failed)."""
    for check in checks:
        print(check.line(), flush=True)
    failed = [c.name for c in checks if c.status is Status.FAIL]
    count = f"{len(checks)} check{'s' if len(checks) != 1 else ''}"
    print(f"{count}, " + (f"{len(failed)} failed: {', '.join(failed)}" if failed
                          else "all passed"))
    return 1 if failed else 0


def run(args: argparse.Namespace, overrides: Mapping[str, Any]) -> int:
    """`arbot doctor`: the checks, printed; exit 1 when any failed."""
    checks = asyncio.run(diagnose(getattr(args, "config", None), overrides,
                                  demo=args.doctor_demo or args.demo,
                                  min_free_mb=args.min_free_mb, max_skew_ms=args.max_skew_ms))
    return report(checks)
