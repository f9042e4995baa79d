"""`arbot serve`: the terminal UI in a real headless Chromium, through textual-serve, on
127.0.0.1 against the simulator: the page loads, prices render, a key switches screens;
a non-loopback bind is refused unless allowed, and a page from another origin cannot
open the websocket. Skipped, saying so, where no Chromium is installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from arbot.config import load_settings
from tests.deploy.browser import arbot_serve, chromium, chromium_path


@pytest.mark.skipif(chromium_path() is None, reason="no Chromium installed (.ci/run installs it)")
async def test_the_ui_in_a_browser_shows_prices_and_switches_screens(tmp_path: Path) -> None:
    async with arbot_serve(tmp_path) as url, chromium() as page:
        await page.open(url)
        await page.wait_for("document.readyState === 'complete' && !!window.__arbotTerminal",
                            "the page to load and make its terminal")
        await page.wait_for_screen("Prices", "DEMO", "4/4 live", pattern=r"BTC-USDT +\d+\.\d+",
                                   what="the Prices screen with every venue live and a price")
        await page.screenshot(tmp_path / "serve.png")
        await page.press("2")
        await page.wait_for_screen("Opportunities", "Verdict",
                                   what="the Opportunities screen after 2")
    assert (tmp_path / "serve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "arbot.db").exists()  # the page's ArBot ran here, on the demo


async def test_a_page_from_another_origin_cannot_open_the_websocket(tmp_path: Path) -> None:
    async with arbot_serve(tmp_path) as url, aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(f"{url}/ws", headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403
        async with session.get(url) as page:  # the page itself still loads
            assert page.status == 200 and "ArBot" in await page.text()


def test_a_non_loopback_bind_is_refused_unless_allowed(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "arbot", "serve", "--host", "0.0.0.0"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 2
    assert "allow_non_loopback" in done.stderr and "Traceback" not in done.stderr
    allowed = load_settings(None, overrides={"serve": {"host": "0.0.0.0",
                                                       "allow_non_loopback": True}},
                            environ={})
    assert allowed.serve.host == "0.0.0.0"
