"""Lower a process's CPU priority so that it yields the cores to live work.

`nice` alone is not enough on Linux: with automatic process grouping (`kernel.sched_autogroup_enabled`, on by
default in most distributions) the scheduler first shares the CPU equally between sessions, and a nice value
counts only within its own session. `manage.py serve` starts each child in a session of its own, so a public pool
at nice 10 would still get half the cores against the camera pool. The session's group gets the same lower
priority here. Under systemd, services are control groups and `CPUWeight=` does this (deploy/systemd).
"""
from __future__ import annotations

import os
from pathlib import Path

AUTOGROUP = Path("/proc/self/autogroup")


def lower_priority(nice: int) -> None:
    """Run this process, and the session it leads, `nice` steps (0-19) below normal priority."""
    if nice <= 0:
        return
    os.nice(nice)
    try:
        AUTOGROUP.write_text(f"{min(nice, 19)}\n")  # the session's share against other sessions
    except OSError:  # no automatic grouping (not Linux, or a kernel without it): the nice value does it all
        pass
