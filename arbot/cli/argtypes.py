"""Argument types shared by the parser's sub-commands: a bad value is argparse's own usage
error (exit 2) that names the flag, before any settings are read."""

from __future__ import annotations

import argparse
from pathlib import Path


def positive(text: str) -> float:
    """A positive number of seconds."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def fraction(text: str) -> float:
    """A fraction between 0 and 1."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a fraction between 0 and 1, not {text}")
    return value


def port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 0 to 65535, not {text}")
    return value


def folder(text: str) -> Path:
    """A folder path; an empty one (`--record-raw ""`, an unset shell variable) is refused
    rather than read as the current directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder, not an empty path")
    return Path(text)
