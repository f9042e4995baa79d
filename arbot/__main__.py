"""The `arbot` entry point, for `python -m arbot` and the console script alike.

Stop signals are held before the command line (and everything it imports) loads, so a
SIGTERM during start-up ends cleanly; see `arbot.stopsignal`. Closed standard descriptors
are filled before any file is opened; see `arbot.stdfds`.
"""

import sys

from arbot import stdfds, stopsignal


def main() -> int:
    stopsignal.hold()
    stdfds.fill_closed()
    from arbot.cli import main as run  # heavy: numpy, aiohttp, the whole engine

    return run()


if __name__ == "__main__":
    sys.exit(main())
