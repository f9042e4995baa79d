"""`arbot archive --to DIR [--db PATH] [--since T] [--until T]`: recorded history into
Parquet (`arbot.parquet.archive`), which `arbot backtest --input DIR` replays. Needs the
research extra; the command says so when it is missing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from arbot.config import ArbotSettings
from arbot.research import require
from arbot.timefmt import parse_time_ns


def add_parser(subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
               common_parent: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "archive", parents=[common_parent],
        help="copy recorded history to Parquet (zstd, partitioned by date and venue)",
        description="Write recorded quotes, book snapshots, feed events, closed episodes "
                    "and runs from the database to DIR as Parquet, hive-partitioned by date "
                    "and venue. Incremental and idempotent: rows already archived are "
                    "skipped; an interrupted archive leaves no partial file visible. "
                    "Needs pip install 'arbot[research]'.")
    p.add_argument("--to", type=Path, required=True, metavar="DIR", help="archive folder")
    p.add_argument("--db", type=Path, metavar="PATH",
                   help="recorded database (default [storage] path); opened read-only")
    p.add_argument("--since", metavar="TIME", help="inclusive, ISO-8601 UTC or epoch s")
    p.add_argument("--until", metavar="TIME", help="exclusive, ISO-8601 UTC or epoch s")


def run(args: argparse.Namespace, settings: ArbotSettings) -> int:
    require("arbot archive", "pyarrow")
    from arbot.parquet.archive import archive

    since = parse_time_ns(args.since) if args.since else None
    until = parse_time_ns(args.until) if args.until else None
    if since is not None and until is not None and until <= since:
        raise ValueError("--until must be after --since")
    db = args.db if args.db is not None else Path(settings.storage.path)
    try:
        report = archive(db, args.to, since, until)
    except OSError as exc:  # a full disk, a folder it may not write (temporaries removed)
        print(f"arbot: cannot write the archive to {args.to}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    for table, rows in report.rows.items():
        print(f"{table}: {rows:,} rows in {report.files[table]} new files", file=sys.stderr)
    print(f"runs: {report.runs}", file=sys.stderr)
    print(f"archived {db} to {args.to}")
    return 0
