"""The suite on two processes (pytest-xdist), each on its own test database, in the order of a single run.

`pytest` runs on two worker processes when the machine has two cores or more; `pytest -n 0` (or
`-p no:xdist`) runs in one. Each worker has its own test database (pytest-django adds `_gw0`, `_gw1` to
its name), its own Redis database for the Celery worker of tests/workers.py, its own free ports and folders.

A single run depends on its order: in a folder with a world (tests/worlds.py) the world is built once for
the tests that use it, and the transactional tests (real workers, committed data) run after all others,
since each ends by emptying the database. So the scheduler here deals whole units to the workers before any
test starts: a folder with a world is one unit, any other test module is a unit of its own. Each worker then
runs its units' tests in the order of the whole suite, which is a single run with tests left out: every
folder's world is built once, on one worker, and every worker's transactional tests come last.

Units are dealt largest first to the worker with the least work so far. A unit's size is its seconds in the
last run on this machine (pytest's cache), or else what it took in a fresh clone (tests/unit-seconds.json),
or else its number of tests.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.env import usable_cores

TESTS = Path(__file__).resolve().parent
CACHE_KEY = "tests/unit-seconds"
SECONDS_PER_TEST = 0.6  # the suite's average, for a unit not in the cache

# Every unit's seconds in a fresh clone's `make test` (7 December, two workers on an idle two-core machine), so
# that a first run without pytest's cache deals the units by what they take; the cache of the last run replaces
# them. A unit not listed counts SECONDS_PER_TEST for each of its tests.
MEASURED_SECONDS: dict[str, float] = json.loads((TESTS / "unit-seconds.json").read_text())


def default_workers() -> int:
    """Two workers on two cores or more; none (a single process) on one core."""
    return 2 if usable_cores() >= 2 else 0


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """`-n` unset: run on the default number of workers (pytest-xdist installed, not in a worker)."""
    if not hasattr(config.option, "numprocesses") or hasattr(config, "workerinput"):
        return None
    if config.option.numprocesses is None and not config.option.collectonly and not config.option.usepdb:
        config.option.numprocesses = default_workers() or None
    return None


def unit_of(nodeid: str, world_folders: frozenset[str]) -> str:
    path = nodeid.split("::")[0]
    folder = path.rpartition("/")[0]
    return folder if folder in world_folders else path


def folders_with_a_world() -> frozenset[str]:
    """Folders whose conftest builds a world once (a `built_world` fixture, tests/worlds.py)."""
    root = TESTS.parent
    return frozenset(str(conftest.parent.relative_to(root)) for conftest in TESTS.rglob("conftest.py")
                     if "def built_world(" in conftest.read_text())


def _make_scheduler_class():
    from xdist.scheduler import LoadScheduling

    class SuiteOrderScheduling(LoadScheduling):
        """Whole units dealt to the workers at the start; each worker runs its tests in the suite's order.

        Tests are known by their index in the collection, as several may share one node id (the generated
        requests of tests/hardening). A crashed worker's remaining tests go to its replacement (LoadScheduling).
        """

        def __init__(self, config, log=None):
            super().__init__(config, log)
            self.world_folders = folders_with_a_world()
            self.seconds = config.cache.get(CACHE_KEY, {}) if getattr(config, "cache", None) else {}

        def _size(self, unit: str, count: int) -> float:
            if unit in self.seconds:
                return self.seconds[unit]
            return MEASURED_SECONDS.get(unit, SECONDS_PER_TEST * count)

        def schedule(self) -> None:
            assert self.collection_is_completed
            if self.collection is not None:  # a replacement for a crashed worker
                for node in self.nodes:
                    self.check_schedule(node)
                return
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = next(iter(self.node2collection.values()))
            if not self.collection:
                return
            units: dict[str, list[int]] = {}
            for index, nodeid in enumerate(self.collection):
                units.setdefault(unit_of(nodeid, self.world_folders), []).append(index)
            nodes = self.nodes
            load = {node: 0.0 for node in nodes}
            dealt: dict = {node: [] for node in nodes}
            for unit, indices in sorted(units.items(), key=lambda item: -self._size(item[0], len(item[1]))):
                node = min(nodes, key=lambda n: load[n])
                load[node] += self._size(unit, len(indices))
                dealt[node].extend(indices)
            for node in nodes:
                if dealt[node]:
                    self.log(f"{node.gateway.id}: {len(dealt[node])} tests, about {load[node]:.0f} s")
                    self.node2pending[node].extend(sorted(dealt[node]))
                    node.send_runtest_some(sorted(dealt[node]))
                node.shutdown()

    return SuiteOrderScheduling


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") == "each":
        return None
    return _make_scheduler_class()(config, log)


class UnitSeconds:
    """On the controller: each unit's seconds in this run, kept in pytest's cache for the next run's dealing."""

    def __init__(self, config):
        self.config = config
        self.world_folders = folders_with_a_world()
        self.seconds: dict[str, float] = {}
        self.started: set[str] = set()

    def pytest_runtest_logreport(self, report):
        worker = getattr(getattr(report, "node", None), "gateway", None)
        worker = getattr(worker, "id", "")
        if report.when == "setup" and worker not in self.started:
            self.started.add(worker)  # a worker's first set-up creates its test database: not the unit's cost
            return
        unit = unit_of(report.nodeid, self.world_folders)
        self.seconds[unit] = self.seconds.get(unit, 0.0) + report.duration

    def pytest_sessionfinish(self, session, exitstatus):
        if exitstatus in (0, 1) and self.seconds and getattr(self.config, "cache", None) is not None:
            kept = self.config.cache.get(CACHE_KEY, {})
            kept.update({unit: round(seconds, 1) for unit, seconds in self.seconds.items()})
            self.config.cache.set(CACHE_KEY, kept)


def pytest_configure(config):
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(UnitSeconds(config), "unit-seconds")
