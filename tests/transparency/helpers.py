"""Reading the public outputs back the way a member of the public would: page text, PDF text, CSV, JSON."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from html.parser import HTMLParser

from oversight.transparency import services
from tests import needs


def publish(world, *, publisher=None):
    """Force A's report of the world's period: prepared by its admin, published by the oversight body."""
    p = world.personas
    draft = services.transparency_report_prepare(actor=p.admin_a, force=p.force_a, period_start=world.period_start,
                                                 period_end=world.period_end)
    return services.transparency_report_publish(actor=publisher or p.oversight_admin, report=draft)


def pdf_text(data: bytes, *, layout: bool = False) -> str:
    """Text of a PDF, extracted with pdftotext (Debian's poppler-utils)."""
    command = [needs.pdftotext(), *(["-layout"] if layout else []), "-enc", "UTF-8", "-", "-"]
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


class _Figures(HTMLParser):
    """Collects the numbers a page marks with data-figure, and per deployment row with data-col."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self.rows: dict[str, dict[str, str]] = {}
        self.deletions: dict[str, dict[str, str]] = {}
        self._row: str | None = None
        self._deletion: str | None = None
        self._target: tuple | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self._row = attrs.get("data-reference")
            self._deletion = attrs.get("data-deletion")
        if "data-figure" in attrs:
            self._target, self._text = ("figure", attrs["data-figure"]), []
        elif "data-col" in attrs and self._row:
            self._target, self._text = ("row", self._row, attrs["data-col"]), []
        elif "data-col" in attrs and self._deletion:
            self._target, self._text = ("deletion", self._deletion, attrs["data-col"]), []

    def handle_data(self, data):
        if self._target is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._target is None or tag not in ("td", "strong", "th"):
            return
        value = "".join(self._text).strip()
        if self._target[0] == "figure":
            self.figures[self._target[1]] = value
        elif self._target[0] == "row":
            self.rows.setdefault(self._target[1], {})[self._target[2]] = value
        else:
            self.deletions.setdefault(self._target[1], {})[self._target[2]] = value
        self._target = None


def html_figures(html: str) -> _Figures:
    parser = _Figures()
    parser.feed(html)
    return parser


def csv_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(data.decode()))
    header = next(reader)
    return header, [dict(zip(header, row)) for row in reader]


def json_of(data: bytes) -> dict:
    return json.loads(data.decode())
