"""The API's edges over raw sockets on 127.0.0.1: bytes a client library would never send
(non-UTF-8 headers, garbage request lines, chunked and stalled bodies), clients that hold
connections open (slowloris, idle, too many), and what each leaves in the log."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from arbot.api.server import ApiRefused
from arbot.runtime import Runtime
from tests.api.test_api import SIM, TOKEN, Client, api_runtime, settings
from tests.conftest import until

AUTH = f"Authorization: Bearer {TOKEN}\r\n".encode()
WAIT_S = 30.0  # generous: every bound under test is 1 s (or the default 10 s)


def port_of(api: Client) -> int:
    port = urlsplit(api.base).port
    assert port is not None
    return port


def parse(raw: bytes) -> tuple[int, Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body.startswith(b"{") else body


async def exchange(port: int, data: bytes) -> bytes:
    """Send `data` as it is and read until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        async with asyncio.timeout(WAIT_S):
            return await reader.read()
    finally:
        writer.close()


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    """True once the server has closed the connection (EOF or reset), within WAIT_S."""
    with contextlib.suppress(ConnectionError):
        async with asyncio.timeout(WAIT_S):
            while await reader.read(65536):
                pass
    return True


def api_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("arbot.api", "aiohttp"))]


# -- 8: bytes that are not UTF-8 -------------------------------------------------------------

async def test_a_non_utf8_authorization_header_is_401_without_a_traceback(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with api_runtime(tmp_path, monkeypatch, run=False) as (_, api):
        for value in (b"Bearer \xff\xfe\xfd", b"Bearer " + TOKEN.encode() + b"\x80",
                      b"\xc3\x28 " + TOKEN.encode()):
            raw = await exchange(port_of(api), b"GET /api/status HTTP/1.1\r\nHost: x\r\n"
                                 b"Authorization: " + value + b"\r\nConnection: close\r\n\r\n")
            status, body = parse(raw)
            assert (status, body["code"]) == (401, "unauthorized"), value
    assert not [r for r in api_records(caplog) if r.levelno >= logging.ERROR or r.exc_info]


# -- 9: only ASCII digits are numbers ---------------------------------------------------------

async def test_unicode_digits_in_any_number_or_time_parameter_are_400(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (_, api):
        for path in ("/api/opportunities", "/api/trades"):
            for value in ("²", "١٢", "１２", "𝟙𝟚", "۵"):
                status, body = await api.get(path, params={"limit": value})
                assert (status, body["code"]) == (400, "bad_parameter"), (path, value)
                assert "ASCII" in body["message"] and "limit" in body["message"]
            for name in ("since", "until"):
                for value in ("１７００００００００", "١٧٠٠٠٠٠٠٠٠", "٢٠٢٤-٠١-٠١", "2024-01-0²"):
                    status, body = await api.get(path, params={name: value})
                    assert (status, body["code"]) == (400, "bad_parameter"), (name, value)
                    assert name in body["message"]
            status, body = await api.get(path, params={"symbol": "ＢＴＣ-USDT"})
            assert (status, body["code"]) == (400, "bad_parameter")
            status, _ = await api.get(path, params={"limit": "12", "since": "1700000000"})
            assert status == 200


# -- 10: the body limit counts bytes read -------------------------------------------------------

async def post_chunked(port: int, total: int) -> tuple[int, Any]:
    """POST /api/trading/pause with a chunked body of `total` bytes, sent until the server
    answers; the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"POST /api/trading/pause HTTP/1.1\r\nHost: x\r\n" + AUTH
                     + b"Transfer-Encoding: chunked\r\n\r\n")
        head = asyncio.create_task(reader.readuntil(b"\r\n\r\n"))
        chunk = b"1000\r\n" + b"x" * 0x1000 + b"\r\n"
        with contextlib.suppress(ConnectionError):
            sent = 0
            while sent < total and not head.done():
                part = chunk if total - sent >= 0x1000 else (
                    b"%x\r\n" % (total - sent) + b"x" * (total - sent) + b"\r\n")
                writer.write(part)
                await writer.drain()
                sent += 0x1000
            if not head.done():
                writer.write(b"0\r\n\r\n")
        async with asyncio.timeout(WAIT_S):
            raw = await head
            length = int(next(line.split(b":")[1] for line in raw.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")))
            return parse(raw + await reader.readexactly(length))
    finally:
        writer.close()


async def test_a_chunked_body_over_the_limit_is_413_and_the_action_never_runs(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (rt, api):
        assert rt.trader is not None and rt.trader.state.value == "running"
        status, body = await post_chunked(port_of(api), 20 * 1024 * 1024)
        assert (status, body["code"]) == (413, "body_too_large")
        assert rt.trader.state.value == "running"  # the pause never happened
        status, body = await post_chunked(port_of(api), 100)  # a small one is fine
        assert status == 200 and rt.trader.state.value == "paused"


async def test_a_body_that_stalls_is_408_and_the_action_never_runs(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False, api={"timeout_s": 1.0}) as (
            rt, api):
        assert rt.trader is not None
        raw = await exchange(port_of(api), b"POST /api/trading/halt HTTP/1.1\r\nHost: x\r\n"
                             + AUTH + b"Content-Length: 500\r\n\r\n" + b"x" * 10)
        status, body = parse(raw)
        assert (status, body["code"]) == (408, "request_timeout")
        assert rt.trader.state.value == "running"


async def test_a_body_that_cannot_be_decoded_is_400_and_logs_no_error(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False) as (rt, api):
        assert rt.trader is not None
        raw = await exchange(port_of(api), b"POST /api/trading/halt HTTP/1.1\r\nHost: x\r\n"
                             + AUTH + b"Content-Encoding: gzip\r\nContent-Length: 9\r\n\r\n"
                             b"not gzip!")
        status, body = parse(raw)
        assert (status, body["code"]) == (400, "bad_body")
        assert rt.trader.state.value == "running"
    assert not [r for r in api_records(caplog) if r.levelno >= logging.ERROR or r.exc_info]


# -- 11: connections are bounded in time and number --------------------------------------------

async def test_slowloris_and_idle_connections_are_closed(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False, api={"timeout_s": 1.0}) as (
            _, api):
        port = port_of(api)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:  # a header byte every 0.1 s keeps bytes flowing but never finishes the head
            writer.write(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
            closed = asyncio.create_task(closed_by_server(reader))
            with contextlib.suppress(ConnectionError):
                async with asyncio.timeout(WAIT_S):
                    while not closed.done():
                        writer.write(b"X-Slow-" + str(id(closed))[-1:].encode())
                        await writer.drain()
                        await asyncio.sleep(0.1)
            assert await closed
        finally:
            writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:  # never says anything
            assert await closed_by_server(reader)
        finally:
            writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:  # one request on a keep-alive connection, then nothing
            writer.write(b"GET /api/status HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\r\n")
            async with asyncio.timeout(WAIT_S):
                assert (await reader.readline()).startswith(b"HTTP/1.1 200")
            assert await closed_by_server(reader)
        finally:
            writer.close()


async def test_connections_over_the_cap_are_refused_and_a_slot_frees_when_one_closes(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_runtime(tmp_path, monkeypatch, run=False,
                           api={"max_connections": 3}) as (_, api):
        port = port_of(api)
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                async with asyncio.timeout(WAIT_S):
                    status, body = parse(await reader.read())
                assert (status, body["code"]) == (503, "too_many_connections")
            finally:
                writer.close()
        finally:
            for _, w in held:
                w.close()
        answers: list[int] = []

        async def fresh_client_served() -> bool:
            raw = await exchange(port, b"GET /api/status HTTP/1.1\r\nHost: x\r\n" + AUTH
                                 + b"Connection: close\r\n\r\n")
            answers.append(parse(raw)[0])
            return answers[-1] == 200

        for _ in range(int(WAIT_S / 0.1)):  # the closes may reach the server after it
            if await fresh_client_served():
                break
            await asyncio.sleep(0.1)
        assert answers[-1] == 200 and set(answers) <= {200, 503}


async def test_a_port_in_use_is_refused_naming_it(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARBOT_API_TOKEN", TOKEN)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ApiRefused, match=f"cannot listen on 127.0.0.1:{port}"):
            async with Runtime(settings(tmp_path, port), demo=True, sim_config=SIM):
                pass


# -- 12: a malformed request is one WARNING line ---------------------------------------------------

@pytest.mark.parametrize("garbage", [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n",
    b"GET /api/health HTTP/1.1\r\nHost: x\r\nthis is no header\r\n\r\n",
    b"GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n",
    b"GET /api/status HTTP/1.1\r\nHost: x\r\n" + AUTH[:-2] + b"\x01\r\n\r\n",
    b"GET /api/status?t=" + TOKEN.encode() + b" HTTP/1.1 x\r\nHost: x\r\n\r\n",
], ids=["tls-hello", "bad-header", "bad-length", "long-line", "long-header", "bad-token-line",
        "token-in-bad-request-line"])
async def test_a_malformed_request_is_one_warning_line_without_a_traceback(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        garbage: bytes) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    caplog.set_level(logging.INFO, logger="arbot")
    async with api_runtime(tmp_path, monkeypatch, run=False) as (_, api):
        caplog.clear()
        status, _ = parse(await exchange(port_of(api), garbage))
        assert 400 <= status < 500
        await until(lambda: api_records(caplog), "the log line")
    records = api_records(caplog)
    assert [(r.name, r.levelname) for r in records] == [("arbot.api", "WARNING")]
    line = records[0].getMessage()
    assert records[0].exc_info is None and "\n" not in line and "127.0.0.1" in line
    assert TOKEN not in line  # aiohttp quotes the offending line; it can hold the token
