"""`arbot serve --demo` in a child process, and a headless Chromium driven over the
DevTools protocol with aiohttp's websocket client (no browser-automation dependency):
enough to load the page, read what xterm.js shows, press keys and take a screenshot.
Used by the `arbot serve` test and by docs/make_browser_screenshot.py.

xterm.js keeps the terminal object inside textual-serve's bundle; a script that runs
before the page's own catches it as the page assigns `this.terminal`, so the test reads
the screen through xterm's public buffer API, the text the user sees.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

WAIT_S = 60.0

CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, enumerable: true});
    window.__arbotTerminal = value;
  },
});
"""

SCREEN_TEXT = """
(() => {
  const t = window.__arbotTerminal;
  if (!t) return null;
  const b = t.buffer.active, rows = [];
  for (let y = 0; y < t.rows; y++) {
    const line = b.getLine(b.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()
"""


def chromium_path() -> str | None:
    return next((p for name in ("chromium", "chromium-browser", "google-chrome")
                 if (p := shutil.which(name))), None)


class Page:
    """One page target's DevTools session: `call` a method, read the screen, press keys."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read(), name="devtools-reader")

    async def _read(self) -> None:
        async for msg in self._ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = msg.json()
            future = self._waiting.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                if "error" in data:
                    future.set_exception(RuntimeError(f"DevTools: {data['error']}"))
                else:
                    future.set_result(data.get("result", {}))

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        n = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[n] = future
        await self._ws.send_json({"id": n, "method": method, "params": params})
        return await asyncio.wait_for(future, WAIT_S)

    async def open(self, url: str) -> None:
        """Load `url`, with the terminal catcher in place before the page's own script."""
        await self.call("Page.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
        await self.call("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        answer = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer.get("result", {}).get("value")

    async def screen(self) -> str:
        """The terminal's rows as text ("" before the page has a terminal)."""
        return await self.evaluate(SCREEN_TEXT) or ""

    async def wait_for(self, expression: str, what: str) -> Any:
        """The value of `expression` once it is truthy; fails naming `what`."""
        loop = asyncio.get_running_loop()
        end = loop.time() + WAIT_S
        while not (value := await self.evaluate(expression)):
            if loop.time() > end:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.2)
        return value

    async def wait_for_screen(self, *words: str, what: str, pattern: str = "") -> str:
        """The screen once it shows every one of `words` (and matches the regular
        expression `pattern`); fails naming `what`."""
        loop = asyncio.get_running_loop()
        end = loop.time() + WAIT_S
        while True:
            text = await self.screen()
            if all(w in text for w in words) and re.search(pattern, text):
                return text
            if loop.time() > end:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{text}")
            await asyncio.sleep(0.2)

    async def press(self, key: str) -> None:
        """A printable key, as the keyboard sends it to the focused terminal."""
        await self.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        code = f"Key{key.upper()}" if key.isalpha() else f"Digit{key}" if key.isdigit() else ""
        for kind in ("keyDown", "keyUp"):
            await self.call("Input.dispatchKeyEvent", type=kind, key=key, code=code,
                            text=key if kind == "keyDown" else "",
                            windowsVirtualKeyCode=ord(key.upper()))

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))

    async def close(self) -> None:
        await self._ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def chromium(width: int = 1280, height: int = 800) -> AsyncIterator[Page]:
    """A headless Chromium with one blank page, stopped (and its profile removed) after."""
    binary = chromium_path()
    assert binary is not None, "no chromium on PATH"
    profile = tempfile.mkdtemp(prefix="arbot-chromium-")
    proc = await asyncio.create_subprocess_exec(
        binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--remote-debugging-port=0",
        f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True)
    try:
        port = await _devtools_port(Path(profile) / "DevToolsActivePort", proc)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as reply:
                targets = await reply.json()
            url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            async with session.ws_connect(url, max_msg_size=64 * 2**20) as ws:
                page = Page(ws)
                try:
                    yield page
                finally:
                    await page.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), WAIT_S)
        except TimeoutError:
            os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        await asyncio.to_thread(shutil.rmtree, profile, ignore_errors=True)


async def _devtools_port(path: Path, proc: asyncio.subprocess.Process) -> int:
    """Chromium writes the port it chose into the profile once DevTools listens."""
    loop = asyncio.get_running_loop()
    end = loop.time() + WAIT_S
    while not (port := await asyncio.to_thread(_first_line, path)):
        if proc.returncode is not None:
            raise AssertionError(f"chromium exited with {proc.returncode} before listening")
        if loop.time() > end:
            raise AssertionError("chromium did not open its DevTools port")
        await asyncio.sleep(0.1)
    return int(port)


def _first_line(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_text().split("\n")[0].strip()
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> set[int]:
    """Every process below `pid` now (textual-serve's shell and the ArBot it runs)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                kids = {int(k) for k in task.read_text().split()}
                todo += list(kids - found)
                found |= kids
    return found


@contextlib.asynccontextmanager
async def arbot_serve(cwd: Path, *args: str) -> AsyncIterator[str]:
    """`arbot serve --demo` on a free port until the block ends; yields its URL. After
    the stop, every process it started (the shell and ArBot per page) must be gone."""
    for _ in range(3):  # the free port can be taken by another process before serve binds
        port = free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "arbot", "serve", "--demo", "--port", str(port), *args,
            cwd=cwd, stderr=asyncio.subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        if await _answers(url, proc):
            break
    else:
        raise AssertionError("arbot serve found no free port three times")
    started: set[int] = set()
    try:
        yield url
        started = await asyncio.to_thread(descendants, proc.pid)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(proc.wait(), WAIT_S)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    err = (await proc.stderr.read()).decode() if proc.stderr else ""
    assert code == 0, err
    for pid in started:  # every ArBot the page started ends with the server
        for _ in range(int(WAIT_S / 0.1)):
            if await asyncio.to_thread(_gone, pid):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"process {pid} outlived arbot serve")


def _gone(pid: int) -> bool:
    """Exited (or a zombie waiting for its parent to reap it)."""
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    return True


async def _answers(url: str, proc: asyncio.subprocess.Process) -> bool:
    """True once `url` answers; False if serve stopped because its port was taken."""
    loop = asyncio.get_running_loop()
    end = loop.time() + WAIT_S
    async with aiohttp.ClientSession() as session:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as reply:
                    if reply.status == 200:
                        return True
            if proc.returncode is not None:
                err = (await proc.stderr.read()).decode() if proc.stderr else ""
                if "cannot listen" in err:
                    return False
                raise AssertionError(f"arbot serve exited with {proc.returncode}: {err}")
            if loop.time() > end:
                raise AssertionError(f"arbot serve did not answer at {url}")
            await asyncio.sleep(0.2)
