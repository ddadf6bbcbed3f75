"""Where the matcher's writes live: only its service modules write its records.

`matching.services.MODULES` names them. Pages, the API, tasks, selectors, search, rules and the face
pipeline call a service and never save, create, update or delete a record themselves; nothing outside the
matcher (reports, the public site, the demo story, the governance layer) writes a matcher record at all.
A write is a call of `save`, `create`, `bulk_create`, `get_or_create`, `update_or_create`, `delete` or
`bulk_update`, an `update` on a query (`.objects`, `.filter(...)`), or SQL text that inserts, updates or
deletes. The check reads the source, so a write added anywhere else fails here before it ships.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from matching import models as matching_models
from matching import services

ROOT = Path(__file__).resolve().parents[2]
WRITE_CALLS = {"save", "create", "bulk_create", "get_or_create", "update_or_create", "delete", "bulk_update"}
QUERY_HINTS = ("objects", "filter", "exclude", "select_for_update", "all")
SQL_WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE\s+\w|DELETE\s+FROM)", re.IGNORECASE | re.MULTILINE)
MATCHER_MODELS = {name for name, value in vars(matching_models).items()
                  if isinstance(value, type) and getattr(value, "_meta", None) is not None
                  and value._meta.app_label == "matching"}
# Calls that look like writes and are not: each with the reason.
NOT_WRITES = {
    ("matching/images.py", "save"): "Pillow writing a JPEG into a memory buffer",
}


def _chain(node: ast.AST) -> list[str]:
    """The names along a call's receiver: `Alert.objects.filter(...).update` -> [Alert, objects, filter, update]."""
    names = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def writes(path: Path) -> list[str]:
    """Every write a file makes, as 'line: call'."""
    found = []
    tree = ast.parse(path.read_text())
    relative = str(path.relative_to(ROOT))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            chain = _chain(node.func)
            verb = chain[-1]
            is_write = verb in WRITE_CALLS or (verb == "update" and any(h in chain[:-1] for h in QUERY_HINTS))
            if is_write and (relative, verb) not in NOT_WRITES:
                found.append((node.lineno, f"{'.'.join(chain)}()"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WRITE.search(node.value):
            found.append((node.lineno, f"SQL {SQL_WRITE.search(node.value).group(1).upper()}"))
    return [f"{line}: {call}" for line, call in sorted(found)]


def _python_files(folder: str):
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_every_service_module_named_exists_and_writes():
    for name in services.MODULES:
        path = ROOT / (name.replace(".", "/") + ".py")
        assert path.exists(), name
        assert writes(path), f"{name} is named as a service but writes nothing"


def test_only_the_service_modules_write_the_matchers_records():
    offenders = {}
    for path in _python_files("matching"):
        module = _module(path)
        if module in services.MODULES or module.startswith("matching.management"):
            continue
        if found := writes(path):
            offenders[module] = found
    assert offenders == {}


def test_the_management_commands_call_services():
    """A command is a caller like a page: it names the acting user and calls a service."""
    offenders = {_module(p): writes(p) for p in _python_files("matching/management") if writes(p)}
    assert offenders == {}


def test_nothing_outside_the_matcher_writes_its_records():
    offenders = {}
    for folder in ("oversight", "deployments", "config"):
        for path in _python_files(folder):
            source = path.read_text()
            if "matching" not in source:
                continue
            tree = ast.parse(source)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    chain = _chain(node.func)
                    verb = chain[-1]
                    if (verb in WRITE_CALLS or verb == "update") and MATCHER_MODELS & set(chain):
                        offenders.setdefault(_module(path), []).append(f"{node.lineno}: {'.'.join(chain)}()")
    assert offenders == {}


def test_the_check_sees_a_write(tmp_path):
    """The scanner itself: a query update, a create, a save and raw SQL are all seen."""
    sample = ROOT / "matching" / "_sample_for_scanner.py"
    sample.write_text(
        "def f(alert):\n"
        "    Alert.objects.filter(id=1).update(status='x')\n"
        "    Alert.objects.create(id=2)\n"
        "    alert.save()\n"
        "    cursor.execute('''\n  DELETE FROM matching_alert WHERE id = 1''')\n"
        "    chart.update(peak=1)\n"
    )
    try:
        found = writes(sample)
    finally:
        sample.unlink()
    assert [line.split(": ", 1)[1] for line in found] == [
        "Alert.objects.filter.update()", "Alert.objects.create()", "alert.save()", "SQL DELETE FROM"]
