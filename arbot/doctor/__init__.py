"""`arbot doctor`: is this machine ready to run ArBot unattended?

One line per check (config, keys, each venue's REST and clock, the database, the disk),
exit 1 when any fails. Read-only: it creates, migrates and locks nothing, so it can be
run beside a running ArBot. `--demo` runs the same checks against the simulator.
"""

from arbot.doctor.checks import Check, Status

__all__ = ["Check", "Status"]
