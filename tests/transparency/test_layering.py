"""Imports flow one way, from the ground up: ground → governance → matcher → accountability.

- ground: the top-level modules and sub-packages of `oversight` (forces, people, permissions, policy, audit log);
- governance: `deployments`;
- matcher: `matching`;
- accountability: `oversight.reports` and `oversight.transparency`; nothing below imports them.
Every import counts, including one inside a function. The project's wiring (`config`, the demo) sits above all.
In the transparency package only the figures package (and the deployment log's run record it calls) reads the
governance and matcher layers, so that the no-personal-data guarantee has one place to hold.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "oversight" / "transparency"
FIGURES = PACKAGE / "figures"
LOWER = ("deployments", "matching")
LAYERS = {0: "ground", 1: "governance", 2: "matcher", 3: "accountability"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, and for `from a import b` also `a.b` (b may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def layer(module: str) -> int | None:
    """The layer of a module of ours, or None for the wiring above every layer and for other packages."""
    parts = module.split(".")
    if parts[0] == "deployments":
        return 1
    if parts[0] == "matching":
        return 2
    if parts[0] == "oversight":
        if len(parts) > 1 and parts[1] in ("reports", "transparency"):
            return 3
        if len(parts) > 1 and parts[1] == "demo":
            return None
        return 0
    return None


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_the_layer_map_names_every_app():
    modules = ("oversight.models", "oversight.audit.log", "deployments.rules", "matching.services.live",
               "oversight.reports.period", "oversight.transparency.figures.report", "oversight.demo.story",
               "config.settings")
    assert [layer(m) for m in modules] == [0, 0, 1, 2, 3, 3, None, None]


def test_nothing_imports_a_layer_above_its_own():
    upward = []
    for folder in ("oversight", "deployments", "matching"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            own = layer(_module(path))
            if own is None:
                continue
            for name in sorted(_imports(path)):
                theirs = layer(name)
                if theirs is not None and theirs > own:
                    upward.append(f"{_module(path)} ({LAYERS[own]}) imports {name} ({LAYERS[theirs]})")
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path):
    """The scanner itself: a governance module importing the matcher is caught, inside a function too."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from matching.services import live\n    import oversight.reports.period\n")
    found = {name for name in _imports(sample) if (layer(name) or 0) > 1}
    assert found == {"matching.services", "matching.services.live", "oversight.reports.period"}


def test_nothing_below_imports_the_transparency_layer():
    offenders = []
    for folder in ("oversight", "deployments", "matching", "config"):
        for path in (ROOT / folder).rglob("*.py"):
            if PACKAGE in path.parents or "reports" in path.parts or "demo" in path.parts:
                continue  # the transparency package itself, and the other top layers beside it
            if any(name.startswith("oversight.transparency") for name in _imports(path)):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_only_the_figures_package_reads_the_governance_and_matcher_layers():
    readers = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                     if "migrations" not in path.parts
                     and any(name.split(".")[0] in LOWER for name in _imports(path)))
    assert readers and all(Path(reader).parts[0] == "figures" or reader == "deployment_log.py"
                           for reader in readers), readers
