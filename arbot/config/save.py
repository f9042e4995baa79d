"""Save changed settings back into arbot.toml without losing the user's comments.

Why tomlkit and not `render_toml`: arbot.toml is documentation as much as configuration,
and a trader's own notes live in it. tomlkit edits the parsed document in place, so only
the changed values differ, byte for byte. Why validate through `load_settings`: the file
written must load next time, so it is checked by the very code that will load it, and a
refused save leaves the file exactly as it was. Why a temp file + fsync + os.replace: a
crash or a full disk mid-write must never leave a half-written config behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from arbot.config.credentials import secret_advice
from arbot.config.errors import ConfigError
from arbot.config.input import TOO_DEEP
from arbot.config.settings import ArbotSettings, load_settings
from arbot.config.tomledit import set_key

__all__ = ["Problem", "SaveError", "save_settings", "validate_changes"]

# The documented file shipped at the repository root: a new arbot.toml starts as a copy,
# so a first save from the UI still gives the user every setting with its explanation.
SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "arbot.toml"
_MINIMAL = "# ArBot configuration; see `arbot config show` for every setting.\n"
_KEY = re.compile(r"^\[?([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*)(?:\[\d+\])*\]?(?: = |: )")


@dataclass(frozen=True)
class Problem:
    """One reason a save was refused. `key` is the dotted setting it concerns (list
    indices dropped; a table name for whole-table rules such as max > min), or None when
    it concerns the file as a whole; `text` is the user-facing line without the file name."""

    key: str | None
    text: str


class SaveError(ConfigError):
    """A refused save: the usual one-line-per-problem ConfigError message, plus the
    problems one by one so a form can show each next to its field."""

    def __init__(self, path: Path, problems: Sequence[Problem]):
        self.path = path
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{path}: {p.text}" for p in self.problems))


def save_settings(
    path: Path,
    changes: Mapping[str, Any],
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ArbotSettings:
    """Apply `changes` (dotted key -> value; None removes the key, i.e. back to the
    default) to the TOML file at `path`, validate, write atomically, return the settings.

    The returned settings are the file's, under `overrides` and `environ` when given (by
    default neither: the process environment is not read), so a front end started with
    CLI flags or ARBOT_* variables keeps them. A missing file starts as the shipped
    arbot.toml. Raises SaveError (a ConfigError) and leaves the file untouched when any
    value is invalid, a key looks like a secret, or the file cannot be read or written.
    """
    text, settings = _prepare(path, changes, overrides, environ)
    try:
        _write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise SaveError(path, [Problem(None, f"cannot write config file: {_reason(exc)}")]) \
            from None
    return settings


def validate_changes(
    path: Path,
    changes: Mapping[str, Any],
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ArbotSettings:
    """The settings `save_settings` would return, without writing anything."""
    return _prepare(path, changes, overrides, environ)[1]


def _prepare(
    path: Path,
    changes: Mapping[str, Any],
    overrides: Mapping[str, Any] | None,
    environ: Mapping[str, str] | None,
) -> tuple[str, ArbotSettings]:
    refused = [p for key in changes if (p := _secret_problem(key)) is not None]
    if refused:
        raise SaveError(path, refused)
    try:
        doc = _parse(path, _current_text(path))
        problems = [Problem(key, why) for key, value in changes.items()
                    if (why := set_key(doc, key, value, ArbotSettings)) is not None]
        if problems:
            raise SaveError(path, problems)
        text = doc.as_string()
    except RecursionError:  # a tomlkit without its own nesting limit recurses per level
        raise SaveError(path, [Problem(None, TOO_DEEP)]) from None
    return text, _validate(path, text, overrides, environ)


def _current_text(path: Path) -> str:
    """The file's text; a missing file starts as the shipped, documented arbot.toml."""
    try:
        return path.read_bytes().decode("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        pass  # no file there; whether one can be written is for the write to say
    except (OSError, UnicodeDecodeError) as exc:
        raise SaveError(path, [Problem(None, f"cannot read config file: {_reason(exc)}")]) \
            from None
    try:
        return SHIPPED_CONFIG.read_text(encoding="utf-8")
    except OSError:
        return _MINIMAL


def _parse(path: Path, text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise SaveError(path, [Problem(None, f"invalid TOML: {exc}")]) from None


def _secret_problem(key: str) -> Problem | None:
    """Secrets live in the environment only, never in a file that may be shared or
    committed: a key that looks like one is never written to the file."""
    parts = tuple(key.split("."))
    for end in range(1, len(parts) + 1):
        advice = secret_advice(parts[:end])
        if advice is not None:
            return Problem(key, f"{key}: secrets are never written to the config file; {advice}")
    return None


def _validate(
    path: Path,
    text: str,
    overrides: Mapping[str, Any] | None,
    environ: Mapping[str, str] | None,
) -> ArbotSettings:
    """Load `text` exactly as `load_settings` loads arbot.toml, from a private temp dir.

    The file alone must be valid (it is what the next start reads); with the CLI and
    environment layers on top, the whole result must be valid too.
    """
    try:
        with tempfile.TemporaryDirectory(prefix="arbot-config-") as tmp:
            probe = Path(tmp) / (path.name or "arbot.toml")
            probe.write_text(text, encoding="utf-8")
            try:
                settings = load_settings(probe, environ={})
                if overrides or environ:
                    settings = load_settings(probe, overrides=overrides, environ=environ or {})
            except ConfigError as exc:
                lines = str(exc).splitlines()
                raise SaveError(path, [_problem(line, probe, path) for line in lines]) from None
    except OSError as exc:  # no usable temp directory: refuse rather than save unchecked
        raise SaveError(path, [Problem(None, f"cannot check the settings: {_reason(exc)}")]) \
            from None
    return settings


def _problem(line: str, probe: Path, path: Path) -> Problem:
    """Turn `origin: key = value: allowed` back into (key, text) for the form. A line
    blamed on the command line or an environment variable keeps its origin."""
    prefix = f"{probe}: "
    if line.startswith(prefix):
        text = body = line[len(prefix):]
    else:
        text, body = line, line.split(": ", 1)[-1]
    found = _KEY.match(body)
    return Problem(found.group(1) if found else None, text.replace(str(probe), str(path)))


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, fsync, then rename over it: readers see old or new, never
    half. A symlinked arbot.toml stays a symlink: its target is what gets replaced."""
    target = Path(os.path.realpath(path))
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))  # keep the user's mode
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or \
        type(exc).__name__
