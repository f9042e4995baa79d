"""Regenerate the README's screenshots: `arbot --demo` at a fixed simulator seed, as SVG.

    python docs/make_screenshots.py [--seed 7] [--seconds 90] [--size 120x32] [--depth 20]

The real app (`build_app`, the factory `arbot` uses) runs headless with `App.run_test`
against the in-process simulator, exactly as `arbot --demo` does, on the default
settings (the shipped symbols, fees and filters) in a scratch directory, so the paths the
Settings screen shows are the defaults (`arbot.toml`, `arbot.db`) and nothing is written
here but the pictures. After every venue is live it lets the market run --seconds so the
Opportunities screen has episodes, then presses each screen's key and saves
docs/screenshots/<screen>.svg. The seed fixes the simulated prices and dislocations;
clock times, ages and the exact episodes still differ from run to run. With --depth N
the run keeps N-level books (`[market] depth`) and saves only the Opportunities screen,
as docs/screenshots/opportunities-depth.svg, for its ladder of both books (with a
`max_notional` of 50,000, which the top levels alone cannot fill, so gaps are walked).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from arbot.config import ArbotSettings
from arbot.demo import sim_config
from arbot.domain import FeedState, Venue
from arbot.tui.app import ArbotApp, build_app
from bench.tui import until  # the same wait, failing fast if ArBot cannot run

OUT = Path(__file__).resolve().parent / "screenshots"
# (key, mode, file): Settings last, since its form takes letters as typing.
SHOTS = (("p", "prices", "prices"), ("o", "opportunities", "opportunities"),
         ("t", "trades", "trades"), ("h", "history", "history"),
         ("s", "settings", "settings"))


def all_quoted(app: ArbotApp) -> bool:
    state = app.state
    return (state.phase == "running"
            and all(state.venue_state(v) is FeedState.LIVE for v in Venue)
            and len(state.quotes) == len(state.settings.market.symbols) * len(Venue))


def showing(app: ArbotApp, mode: str) -> bool:
    """The mode's screen is on top, and an ArBot screen has built and filled its tables."""
    return app.current_mode == mode and getattr(app.screen, "ready", True)


async def shoot(seed: int, seconds: float, size: tuple[int, int], out: Path,
                depth: int = 1) -> list[Path]:
    deep = {"market": {"depth": depth}, "strategy": {"max_notional": 50_000.0}}
    settings = ArbotSettings.model_validate({"sim": {"seed": seed}} | (deep if depth > 1 else {}))
    shots = SHOTS if depth == 1 else (("o", "opportunities", "opportunities-depth"),)
    sim = sim_config(settings)  # what `arbot --demo` runs: the [sim] defaults, this seed
    app = build_app(settings, demo=True, sim_config=sim, config_path=Path("arbot.toml"))
    saved = []
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: all_quoted(app), "every venue live and quoting", 60.0)
        await asyncio.sleep(seconds)
        for key, mode, name in shots:
            await pilot.press(key)
            await until(pilot, partial(showing, app, mode), f"the {mode} screen", 60.0)
            await pilot.pause(0.5)  # a couple of refresh ticks
            saved.append(Path(app.save_screenshot(f"{name}.svg", str(out))))
        await app.stop_runtime()
    return saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=90.0,
                    help="how long the market runs before the first picture")
    ap.add_argument("--size", default="120x32", help="terminal COLUMNSxROWS")
    ap.add_argument("--depth", type=int, default=1,
                    help="book levels ([market] depth); above 1, only the depth picture")
    args = ap.parse_args()
    columns, rows = (int(n) for n in args.size.lower().split("x"))
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="arbot-shots-") as tmp:
        here = Path.cwd()
        os.chdir(tmp)  # default paths (arbot.db, arbot.toml) land in the scratch directory
        try:
            saved = asyncio.run(shoot(args.seed, args.seconds, (columns, rows), OUT,
                                      args.depth))
        finally:
            os.chdir(here)
    for path in saved:
        print(path.relative_to(OUT.parent.parent))


if __name__ == "__main__":
    main()
