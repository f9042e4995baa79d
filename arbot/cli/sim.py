"""`arbot sim`: the exchange simulator on its own, for ArBot or any other client.

It reads the same `[sim]` section as `arbot --demo`; its flags are command-line values of
that section (so they win over ARBOT_SIM__* and the file, and a bad one is blamed on the
command line), except `--host`, `--port` and `--symbols`, which only a standalone
simulator has. `--rate` is a rate of re-sends, which only the steady profile makes: given
alone it picks that profile, and with `--profile market` it is refused rather than ignored.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from typing import Any

from arbot.cli.argtypes import fraction, port, positive
from arbot.config import ArbotSettings
from arbot.demo import sim_config
from arbot.domain import Venue
from arbot.exchanges.symbols import parse_canonical
from arbot.sim import serve_until_stopped

RATE_NEEDS_STEADY = ("--rate sets how often the steady profile re-sends every subscription; "
                     "the market profile pushes each symbol on change at its own pace: "
                     "leave out --rate, or use --profile steady")


def add_sim_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """The `sim` sub-command's flags (`commands` is the parser's sub-parsers action)."""
    sim = commands.add_parser(
        "sim", parents=[common], help="run the exchange simulator and print its URLs",
        description="Run the exchange simulator; [sim] in arbot.toml (or ARBOT_SIM__*) "
                    "sets it up, these flags override it.")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=port, default=0, help="0 picks a free port")
    sim.add_argument("--profile", dest="sim_profile", choices=["steady", "market"],
                     help="market: push on change as each venue does, with lag (default "
                          "[sim] profile); steady: re-send everything at --rate")
    sim.add_argument("--seed", dest="sim_seed", type=int, metavar="N",
                     help="seed of prices, activity and faults (default [sim] seed)")
    sim.add_argument("--symbols", nargs="+", metavar="BASE-QUOTE",
                     help="symbols served (default [market] symbols)")
    sim.add_argument("--rate", dest="sim_rate", type=float, metavar="FRAMES_PER_S",
                     help="frames per second per connection, implies --profile steady; "
                          "0 sends as fast as it can")
    sim.add_argument("--drop-every", type=positive, metavar="S",
                     help="cut every connection this many seconds after it opens")
    sim.add_argument("--stall-every", type=positive, metavar="S",
                     help="go silent (socket open) every this many seconds")
    sim.add_argument("--garbage-rate", type=fraction, metavar="R",
                     help="fraction of frames replaced by malformed ones (0..1)")


def sim_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The `[sim]` values given as `arbot sim` flags, nested as settings overrides; empty
    for any other command. Raises ValueError for `--profile market --rate`."""
    profile, rate = getattr(args, "sim_profile", None), getattr(args, "sim_rate", None)
    if rate is not None and profile == "market":
        raise ValueError(RATE_NEEDS_STEADY)
    sim: dict[str, Any] = {}
    if rate is not None:
        sim.update(profile="steady", rate=rate)
    if profile is not None:
        sim["profile"] = profile
    if getattr(args, "sim_seed", None) is not None:
        sim["seed"] = args.sim_seed
    faults = {key: value for key, flag in (("drop_every_s", "drop_every"),
                                           ("stall_every_s", "stall_every"),
                                           ("garbage_rate", "garbage_rate"))
              if (value := getattr(args, flag, None)) is not None}
    if faults:
        sim.update({venue.value: dict(faults) for venue in Venue})
    return {"sim": sim} if sim else {}


def run_sim(args: argparse.Namespace, settings: ArbotSettings) -> int:
    """Serve until SIGINT or SIGTERM, as `[sim]` and the flags (already in `settings`) say."""
    for symbol in args.symbols or ():
        parse_canonical(symbol)
    config = dataclasses.replace(sim_config(settings, args.symbols), host=args.host,
                                 port=args.port)
    try:
        asyncio.run(serve_until_stopped(config))
    except OSError as exc:  # the port is taken, or the host is no address of this machine
        print(f"arbot: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    return 0
