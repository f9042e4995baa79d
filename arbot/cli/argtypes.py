"""Argument types shared by the parser's sub-commands: a bad value is argparse's own usage
error (exit 2) that names the flag, before any settings are read."""

from __future__ import annotations

import argparse


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
