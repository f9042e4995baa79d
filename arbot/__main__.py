"""`python -m arbot` runs the same entry point as the `arbot` console script."""

import sys

from arbot.cli import main

sys.exit(main())
