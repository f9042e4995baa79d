"""The container: the Dockerfile, .dockerignore and deploy/compose.yaml read statically
(slim, not root, /data volume, a health check on /api/health, no secret written down),
the image's environment, command and health check run for real against a demo ArBot on
this machine, and `docker build` where a Docker daemon can reach the base image."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose.yaml"
TOKEN = "a-test-token-of-32-characters-xx"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip()
             .startswith("#")]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def final_stage() -> list[tuple[str, str]]:
    found = instructions()
    last_from = max(i for i, (op, _) in enumerate(found) if op == "FROM")
    return found[last_from:]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for op, args in final_stage():
        if op == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def test_the_image_is_slim_not_root_with_data_on_a_volume() -> None:
    stage = dict(final_stage())  # the last of each instruction in the final stage
    froms = [args for op, args in instructions() if op == "FROM"]
    assert all(f.split()[0].endswith("-slim") for f in froms), froms
    assert stage["USER"] not in ("root", "0")
    assert "useradd" in stage["RUN"] and stage["USER"] in stage["RUN"]
    assert json.loads(stage["VOLUME"]) == ["/data"] and stage["WORKDIR"] == "/data"
    assert json.loads(stage["ENTRYPOINT"]) == ["arbot"]
    assert "--no-ui" in json.loads(stage["CMD"])
    assert "/api/health" in stage["HEALTHCHECK"]
    copied = [args.split()[:-1] for op, args in instructions() if op == "COPY"
              and not args.startswith("--from")]
    for sources in copied:  # every file the build copies exists and is not ignored
        for source in sources:
            assert (ROOT / source).exists(), source
    ignored = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
               if ln.strip() and not ln.startswith("#")]
    assert {".git", ".venv", "*.db", "arbot.toml", ".env"} <= set(ignored)
    assert not {"arbot", "pyproject.toml", "README.md"} & set(ignored)


def test_compose_keeps_secrets_out_and_the_api_on_this_machine() -> None:
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load(COMPOSE.read_text())
    service = doc["services"]["arbot"]
    assert (COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]
            ).resolve() == DOCKERFILE
    assert all("=" not in entry for entry in service["environment"])  # names only
    assert "ARBOT_API_TOKEN" in service["environment"]
    assert all(port.startswith("127.0.0.1:") for port in service["ports"])
    volume, target = service["volumes"][0].split(":")
    assert target == "/data" and volume in doc["volumes"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_image_environment_command_and_health_check_work_on_a_demo(
        tmp_path: Path) -> None:
    """What the container runs, run here: its ENV, its CMD (plus --demo) in a /data-like
    folder, and its HEALTHCHECK command, which must pass once the demo's venues are live
    and fail once ArBot is gone."""
    stage = dict(final_stage())
    port = free_port()
    image = {k: v for k, v in image_env().items() if k != "PATH"}  # /opt/arbot is not here
    env = {**os.environ, **image, "ARBOT_API_TOKEN": TOKEN, "ARBOT_API__PORT": str(port)}
    check = json.loads(stage["HEALTHCHECK"].split("CMD", 1)[1])
    check = [sys.executable if c == "python" else c.replace("8765", str(port)) for c in check]
    arbot = subprocess.Popen([sys.executable, "-m", *json.loads(stage["ENTRYPOINT"]),
                              *json.loads(stage["CMD"]), "--demo"], cwd=tmp_path, env=env,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(check, capture_output=True, timeout=30, check=False).returncode:
            assert arbot.poll() is None, arbot.stderr.read() if arbot.stderr else ""
            assert time.monotonic() < deadline, "the health check never passed"
            time.sleep(0.5)
    finally:
        arbot.terminate()
        code = arbot.wait(60)
    assert code == 0
    assert (tmp_path / "arbot.db").exists()  # the database lands in the working folder
    assert subprocess.run(check, capture_output=True, timeout=30, check=False).returncode


def docker_unusable() -> str | None:
    """Why `docker build` cannot run here, or None."""
    if shutil.which("docker") is None:
        return "docker is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60,
                          check=False)
    if info.returncode:
        return "no Docker daemon answers (docker info failed)"
    base = next(args.split()[0] for op, args in instructions() if op == "FROM")
    have = subprocess.run(["docker", "image", "inspect", base], capture_output=True,
                          timeout=60, check=False)
    if have.returncode:
        pull = subprocess.run(["docker", "pull", base], capture_output=True, text=True,
                              timeout=300, check=False)
        if pull.returncode:
            return f"base image {base} cannot be pulled: {pull.stderr.strip()[:200]}"
    return None


def test_docker_build(tmp_path: Path) -> None:
    why = docker_unusable()
    if why is not None:
        pytest.skip(why)
    tag = f"arbot-test:{os.getpid()}"
    built = subprocess.run(["docker", "build", "-t", tag, str(ROOT)], capture_output=True,
                           text=True, timeout=1800, check=False)
    try:
        assert built.returncode == 0, built.stderr[-2000:]
        user = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"],
                              capture_output=True, text=True, timeout=120, check=False)
        assert user.stdout.strip() not in ("", "0")
        version = subprocess.run(["docker", "run", "--rm", tag, "--version"],
                                 capture_output=True, text=True, timeout=120, check=False)
        assert version.stdout.startswith("arbot ")
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=120,
                       check=False)
