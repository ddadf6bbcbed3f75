"""The accountability layer reads every layer below and nothing imports it; only the fact loaders (figures.py and
the deployment log's run record it calls) read the lower layers' records, so that the no-personal-data guarantee
holds in one place."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "oversight" / "transparency"
LOWER = ("deployments", "matching")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_nothing_below_imports_the_transparency_layer():
    offenders = []
    for folder in ("oversight", "deployments", "matching", "config"):
        for path in (ROOT / folder).rglob("*.py"):
            if PACKAGE in path.parents or "reports" in path.parts or "demo" in path.parts:
                continue  # the transparency package itself, and the other top layers beside it
            if any(name.startswith("oversight.transparency") for name in _imports(path)):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_only_the_figures_module_reads_the_governance_and_matcher_layers():
    readers = sorted(path.name for path in PACKAGE.rglob("*.py")
                     if any(name.split(".")[0] in LOWER for name in _imports(path)))
    assert readers == ["deployment_log.py", "figures.py"]
