"""`arbot sweep`: one backtest per trial of parameter values, on the backtest's input, on a
Dask cluster when one is given (each trial a task) or here, one after the other.

Trials use the configuration's settings with the trial's values (never the runs' recorded
ones, which would hide the values being swept). `grid` tries every combination; `optuna`
asks Optuna's sampler for a batch of trials as wide as the cluster, runs them and tells
it their PnL (ask-and-tell). The best trial has the highest PnL, then the most passed
episodes. Outputs: trials.csv and trials.json (every trial's settings and results), a
heatmap of PnL when two parameters vary, and best.toml, the best values as arbot.toml
lines.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from arbot.backtest.params import Param, apply, toml_lines
from arbot.backtest.runner import Options, run_backtest
from arbot.config import ArbotSettings

RESULTS = ("episodes", "passed", "trades", "pnl", "fees", "max_drawdown")
Done = Callable[[int, int], None]  # (trials done, of how many)


def run_trial(settings: ArbotSettings, opts: Options) -> dict[str, Any]:
    """One backtest's headline numbers (a Dask task calls this)."""
    s = asyncio.run(run_backtest(settings, opts)).summary
    opp, trades, pnl = s["opportunities"], s["trades"], s["pnl"]
    assert isinstance(opp, dict) and isinstance(trades, dict) and isinstance(pnl, dict)
    return {"episodes": opp["count"], "passed": opp["passed"], "trades": trades["count"],
            "pnl": pnl["total"], "fees": pnl["fees"], "max_drawdown": pnl["max_drawdown"]}


def grid(params: list[Param]) -> list[dict[Param, Any]]:
    return [dict(zip(params, combo, strict=True))
            for combo in itertools.product(*(p.values for p in params))]


@contextmanager
def _maybe_cluster(workers: int | None, address: str | None) -> Iterator[Any]:
    if workers is None and address is None:
        yield None
        return
    from arbot.backtest import cluster

    with cluster.client(workers, address) as c:
        yield c


def run_sweep(settings: ArbotSettings, opts: Options, params: list[Param], *, search: str,
              trials: int, workers: int | None, address: str | None,
              done: Done | None = None) -> list[dict[str, Any]]:
    """Every trial's values and results, in the order they were asked for."""
    opts = replace(opts, out=None, use_run_settings=False)
    rows: list[dict[str, Any]] = []
    with _maybe_cluster(workers, address) as c:
        width = (len(c.scheduler_info().get("workers", {})) or 1) if c is not None else 1

        def run(batch: list[dict[Param, Any]], total: int) -> list[dict[str, Any]]:
            calls = [(apply(settings, values), opts) for values in batch]
            if c is None:
                results = []
                for call in calls:
                    results.append(run_trial(*call))
                    if done is not None:
                        done(len(rows) + len(results), total)
            else:
                from arbot.backtest import cluster

                finished = [0]

                def heard(_: int, __: object) -> None:
                    finished[0] += 1
                    if done is not None:
                        done(len(rows) + finished[0], total)

                results = cluster.run_tasks(c, run_trial, calls, heard)
            return [{**{p.name: v for p, v in values.items()}, **r}
                    for values, r in zip(batch, results, strict=True)]

        if search == "grid":
            combos = grid(params)
            rows = run(combos, len(combos))
        else:
            rows = _optuna(params, trials, width, run)
    return rows


def _optuna(params: list[Param], trials: int, width: int,
            run: Callable[[list[dict[Param, Any]], int], list[dict[str, Any]]]
            ) -> list[dict[str, Any]]:
    """Ask-and-tell: batches as wide as the cluster, each told its trials' PnL."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=0))
    rows: list[dict[str, Any]] = []
    while len(rows) < trials:
        asked = [study.ask() for _ in range(min(width, trials - len(rows)))]
        batch = [{p: _suggest(t, p) for p in params} for t in asked]
        done = run(batch, trials)
        for t, row in zip(asked, done, strict=True):
            study.tell(t, row["pnl"])
        rows.extend(done)
    return rows


def _suggest(trial: Any, p: Param) -> Any:
    if p.span is not None:
        low, high, step = p.span
        if all(isinstance(v, int) for v in p.values):
            return trial.suggest_int(p.name, int(low), int(high), step=int(step))
        return trial.suggest_float(p.name, low, p.values[-1], step=step)
    return trial.suggest_categorical(p.name, list(p.values))


def best(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The highest PnL, then the most passed episodes, then the first asked."""
    return max(enumerate(rows), key=lambda ir: (ir[1]["pnl"], ir[1]["passed"], -ir[0]))[1]


def write(out: Path, params: list[Param], rows: list[dict[str, Any]]) -> list[Path]:
    """trials.csv, trials.json, best.toml and, when two parameters vary, heatmap.png."""
    out.mkdir(parents=True, exist_ok=True)
    names = [p.name for p in params]
    header = ["trial", *names, *RESULTS]
    with (out / "trials.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i, row in enumerate(rows):
            w.writerow([i, *(row[k] for k in header[1:])])
    (out / "trials.json").write_text(json.dumps(
        [{"trial": i, "settings": {n: r[n] for n in names},
          "results": {k: r[k] for k in RESULTS}} for i, r in enumerate(rows)], indent=2) + "\n",
        encoding="utf-8")
    top = best(rows)
    (out / "best.toml").write_text(toml_lines({p: top[p.name] for p in params}),
                                   encoding="utf-8")
    paths = [out / "trials.csv", out / "trials.json", out / "best.toml"]
    varying = [p for p in params if len({r[p.name] for r in rows}) > 1]
    if len(varying) == 2:
        paths.append(_heatmap(out / "heatmap.png", varying, rows))
    return paths


def _heatmap(path: Path, params: list[Param], rows: list[dict[str, Any]]) -> Path:
    """Mean PnL per pair of values (trials that share them, when others vary too)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    a, b = params
    xs = sorted({r[a.name] for r in rows})
    ys = sorted({r[b.name] for r in rows})
    grid_ = np.full((len(ys), len(xs)), np.nan)
    sums: dict[tuple[Any, Any], list[float]] = {}
    for r in rows:
        sums.setdefault((r[a.name], r[b.name]), []).append(r["pnl"])
    for (x, y), pnls in sums.items():
        grid_[ys.index(y), xs.index(x)] = sum(pnls) / len(pnls)
    fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
    image = ax.imshow(grid_, origin="lower", aspect="auto", cmap="RdYlGn")
    ax.set_xticks(range(len(xs)), [str(x) for x in xs], rotation=45)
    ax.set_yticks(range(len(ys)), [str(y) for y in ys])
    ax.set_xlabel(a.name)
    ax.set_ylabel(b.name)
    ax.set_title("PnL net of fees by trial")
    fig.colorbar(image, ax=ax, label="PnL (quote currency)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
