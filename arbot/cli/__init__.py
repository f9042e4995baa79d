"""Command line: parse arguments, build one settings object, run one sub-command.

Every failure a user can cause (bad flags, a broken config, an unusable database or
capture file) ends as one line on stderr and a non-zero exit code, never a traceback:
2 for usage and configuration errors, 1 for runtime errors.

The parser is built in `arbot.cli.parser` and the sub-commands run in
`arbot.cli.commands`; this module ties the two together and owns the exit codes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from arbot import stopsignal
from arbot.cli.commands import COMMANDS, STOPPABLE
from arbot.cli.parser import EXIT_USAGE, build_parser
from arbot.cli.sim import sim_overrides
from arbot.config import ConfigError, load_settings
from arbot.doctor import command as doctor
from arbot.imports import CaptureError
from arbot.research import ClusterError
from arbot.storage.db import DatabaseError
from arbot.storage.rawlog import RawLogError

EXIT_FAILURE = 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in STOPPABLE:
        stopsignal.release()  # no stop handling of its own: signals act as for any program
    try:
        if args.command == "doctor":  # a broken config is one of its checks, not an error
            return doctor.run(args, _overrides(args))
        settings = load_settings(getattr(args, "config", None), overrides=_overrides(args))
        return COMMANDS[args.command or "run"](args, settings)
    except ConfigError as exc:
        print(f"arbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:  # bad times, symbols or flag combinations on the command line
        print(f"arbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DatabaseError, CaptureError, RawLogError, ClusterError) as exc:
        print(f"arbot: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = sim_overrides(args)
    db = getattr(args, "db", None) or getattr(args, "main_db", None)
    if db is not None:
        out["storage"] = {"path": str(db)}
    if getattr(args, "api", False):
        out["api"] = {"enabled": True}
    serve = {key: value for key, flag in (("host", "serve_host"), ("port", "serve_port"))
             if (value := getattr(args, flag, None)) is not None}
    if serve:
        out["serve"] = serve
    return out
