"""Regenerate docs/screenshots/browser.png: `arbot serve --demo` in headless Chromium.

    python docs/make_browser_screenshot.py [--seconds 5] [--size 1280x720]

The same path as the test in tests/deploy/test_serve.py: the real `arbot serve` in a
scratch directory, a real Chromium driven over the DevTools protocol; once every venue
is live and prices show, it waits --seconds more and saves the page as PNG.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.deploy.browser import arbot_serve, chromium

OUT = Path(__file__).resolve().parent / "screenshots" / "browser.png"


async def main(seconds: float, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        async with arbot_serve(Path(scratch)) as url, chromium(width, height) as page:
            await page.open(url)
            await page.wait_for_screen("4/4 live", pattern=r"BTC-USDT +\d+\.\d+",
                                       what="every venue live and prices")
            await asyncio.sleep(seconds)
            await page.screenshot(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    w, h = (int(n) for n in args.size.split("x"))
    asyncio.run(main(args.seconds, w, h))
