"""SQLite recording cost per quote, and what the quote indexes cost the readers: this
tree against an older one (default `main`), in the same run.

Recording: a fresh child process per sample opens a new database with the code under
test, starts its `Writer` with the live defaults and feeds `--quotes` quotes (4 venues x
`--symbols` symbols) through the `Recorder` (mode `all`), the live tick path, in bursts
of `BURST` with the loop running between bursts, then flushes. The same child then does
the same with the recorder `off`. `record_us` is the process CPU (every thread: the loop
and aiosqlite's) per quote of the first pass minus the second, i.e. what recording adds;
`wall_us` the same in elapsed time; `tick_us` the time spent inside `on_quote` per quote
(the part on the tick path). Samples alternate old and new; medians are reported.

Reads: each tree writes its own recording of `--export-quotes` quotes (its own schema and
indexes), then times `iter_quotes` (what `arbot export quotes` reads) for all quotes and
for one symbol, and the backtest's `QuotePages` for all and for one symbol. Best of
`--runs`.

    python bench/storage.py [--quotes 200000] [--runs 5] [--old main] [--export-quotes 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import emit, goal  # noqa: E402

BURST = 500  # quotes offered between two turns of the loop
TARGET_US = 2.0


def _quotes(n: int, n_symbols: int) -> list[object]:
    from arbot.domain import Quote, Venue

    venues = list(Venue)
    t0 = 1_750_000_000_000_000_000
    return [Quote(venue=venues[i % 4], symbol=f"C{(i // 4) % n_symbols:04d}-USDT",
                  bid=100.0 + i % 97 / 100, bid_size=1.0 + i % 13, ask=100.05 + i % 89 / 100,
                  ask_size=2.0 + i % 7, ts_exchange_ms=(t0 + i * 12_500) // 1_000_000 - 3,
                  ts_recv_ns=t0 + i * 12_500) for i in range(n)]


async def _pass(db: Path, quotes: list[object], mode: str) -> dict[str, float]:
    from arbot.storage.db import open_db
    from arbot.storage.recorder import Recorder
    from arbot.storage.writer import Writer

    conn = await open_db(db)
    writer = Writer(conn)
    await writer.start()
    recorder = Recorder(writer, mode, 0)  # type: ignore[arg-type]
    on_quote = recorder.on_quote
    await asyncio.sleep(0.05)
    cpu, wall, tick = time.process_time(), time.perf_counter(), 0.0
    for i in range(0, len(quotes), BURST):
        started = time.perf_counter()
        for q in quotes[i:i + BURST]:
            on_quote(q)  # type: ignore[arg-type]
        tick += time.perf_counter() - started
        if writer.pending > 50_000:  # the bench's own back-pressure: nothing thinned
            await writer.flush()
        await asyncio.sleep(0)
    await writer.flush()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    written = writer.stats.rows_written.get("quotes", 0)
    thinned = writer.stats.quotes_thinned
    await writer.close()
    await conn.close()
    if mode == "all" and (written != len(quotes) or thinned):
        raise SystemExit(f"wrote {written} of {len(quotes)} quotes, thinned {thinned}")
    n = len(quotes)
    return {"cpu_us": cpu / n * 1e6, "wall_us": wall / n * 1e6, "tick_us": tick / n * 1e6}


def child_record(db: Path, n: int, n_symbols: int) -> dict[str, float]:
    quotes = _quotes(n, n_symbols)
    passes = {}
    for mode in ("all", "off"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        passes[mode] = asyncio.run(_pass(db, quotes, mode))
    on, off = passes["all"], passes["off"]
    return {"record_us": on["cpu_us"] - off["cpu_us"], "wall_us": on["wall_us"] - off["wall_us"],
            "tick_us": on["tick_us"] - off["tick_us"], "cpu_all_us": on["cpu_us"],
            "cpu_off_us": off["cpu_us"]}


def child_reads(db: Path, n: int, n_symbols: int, runs: int) -> dict[str, float]:
    from arbot.backtest.source import QuotePages, Window, connect
    from arbot.storage.db import open_db
    from arbot.storage.queries import iter_quotes
    from bench.backtest_data import generate

    if not db.is_file():
        generate(db, n, n_symbols)
    symbol = "C0007-USDT"

    async def export(sym: str | None) -> int:
        conn = await open_db(db, readonly=True)
        try:
            return sum([1 async for _ in iter_quotes(conn, symbol=sym)])
        finally:
            await conn.close()

    def pages(symbols: tuple[str, ...] | None) -> int:
        conn = connect(db)
        try:
            p = QuotePages(conn, Window(symbols=symbols))
            count = 0
            while page := p.next_page():
                count += len(page)
            return count
        finally:
            conn.close()

    out: dict[str, float] = {}
    for name, fn in (("export_all_s", lambda: asyncio.run(export(None))),
                     ("export_symbol_s", lambda: asyncio.run(export(symbol))),
                     ("pages_all_s", lambda: pages(None)),
                     ("pages_symbol_s", lambda: pages((symbol,)))):
        best = float("inf")
        for _ in range(runs):
            started = time.perf_counter()
            rows = fn()
            best = min(best, time.perf_counter() - started)
        out[name] = best
        out[name[:-2] + "_rows"] = rows
    return out


def run_child(code: Path, *args: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, __file__, "--child", "--code", str(code), *args],
                         check=True, capture_output=True, text=True, env=env)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def old_tree(ref: str, into: Path) -> Path:
    """`ref`'s arbot package, unpacked under `into` (the repository is not touched)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "arbot"],
                             check=True, capture_output=True).stdout
    tar = into / "old.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into / "old", filter="data")
    return into / "old"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quotes", type=int, default=200_000)
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--old", default="main", help="git ref to compare with")
    ap.add_argument("--export-quotes", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/arbot-bench-storage"))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--what", default="record", help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.path.insert(0, str(args.code))
        result = (child_record(args.db, args.quotes, args.symbols) if args.what == "record"
                  else child_reads(args.db, args.export_quotes, args.symbols, args.runs))
        print(json.dumps(result))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        trees = {"old": old_tree(args.old, Path(tmp)), "new": ROOT}
        common = ["--quotes", str(args.quotes), "--symbols", str(args.symbols)]
        samples: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        for _ in range(args.runs):
            for name, code in trees.items():
                db = Path(tmp) / f"record_{name}.db"
                samples[name].append(run_child(code, *common, "--db", str(db)))
        reads = {name: run_child(code, "--what", "reads", "--export-quotes",
                                 str(args.export_quotes), "--symbols", str(args.symbols),
                                 "--runs", str(min(args.runs, 3)), "--db",
                                 str(args.dir / f"reads_{name}_{args.export_quotes}.db"))
                 for name, code in trees.items()}
    load = {"before": load_before, "after": os.getloadavg()}
    # Each run's old and new samples ran back to back: their ratio is the steadier figure.
    ratios = sorted(o["record_us"] / n["record_us"]
                    for o, n in zip(samples["old"], samples["new"], strict=True))
    rows: list[list[object]] = []
    med: dict[str, dict[str, float]] = {}
    for name in ("old", "new"):
        med[name] = {k: statistics.median(s[k] for s in samples[name]) for k in samples[name][0]}
        m, r = med[name], reads[name]
        rows.append([name, args.quotes, args.runs, m["record_us"], m["wall_us"], m["tick_us"],
                     r["export_all_s"], r["export_symbol_s"], r["pages_all_s"],
                     r["pages_symbol_s"]])
    emit("storage", ["code", "quotes", "runs", "record_us", "wall_us", "tick_us",
                     "export_all_s", "export_symbol_s", "pages_all_s", "pages_symbol_s"], rows,
         extra={"old": args.old, "samples": samples, "reads": reads, "load": load,
                "ratios": ratios, "method": {
             "record_us": "median over runs of process CPU per quote, recorder 'all' minus "
                          "recorder 'off', same child",
             "tick_us": "time inside Recorder.on_quote per quote, minus the same with 'off'",
             "reads": f"{args.export_quotes:,} quotes, {args.symbols} symbols x 4 venues, "
                      "one symbol = C0007-USDT; best of runs; each tree its own schema",
             "burst": BURST}})
    new, old = med["new"], med["old"]
    print(f"\nrecord: {old['record_us'] / new['record_us']:.2f}x less CPU per quote than "
          f"{args.old} (each run's pair: {ratios[0]:.2f}x to {ratios[-1]:.2f}x); export of one symbol {reads['new']['export_symbol_s'] / reads['old']['export_symbol_s']:.2f}x "  # noqa: E501
          f"the time, of everything {reads['new']['export_all_s'] / reads['old']['export_all_s']:.2f}x")  # noqa: E501
    print(f"load average (1 min) {load_before[0]:.2f} before, {load['after'][0]:.2f} after, "
          f"on {os.cpu_count()} cores")
    goal("record_us_per_quote", new["record_us"], "us", f"<={TARGET_US:g}",
         new["record_us"] <= TARGET_US)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
