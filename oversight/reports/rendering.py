"""The regulator report as an HTML document and as a PDF, from one template and one set of figures.

The HTML is a complete page with the site's look (its stylesheet inlined, so the stored file stands alone);
the PDF is the same document printed by WeasyPrint with `@page` rules for A4, running headers and page
numbers, with the SVG charts inline.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from oversight.reports.regulator import RegulatorReport


@lru_cache(maxsize=1)
def site_css() -> str:
    path = finders.find("css/site.css")
    return Path(path).read_text(encoding="utf-8") if path else ""


def render_html(report: RegulatorReport, *, for_pdf: bool = False, run=None) -> str:
    return render_to_string("reports/regulator.html", {
        "report": report, "for_pdf": for_pdf, "run": run, "site_css": site_css(),
    })


def _no_fetching(url: str, *args, **kwargs):
    # Everything the report needs is inline (styles, SVG charts); it never fetches, whatever a text contains.
    raise ValueError(f"the regulator report fetches no resources ({url[:80]})")


def render_pdf(html: str, *, base_url: str | None = None) -> tuple[bytes, int]:
    """PDF bytes and their page count (from WeasyPrint's own layout, not by parsing the PDF).

    `base_url` (the site's address) only makes the report's links absolute in the PDF.
    """
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url or None, url_fetcher=_no_fetching).render()
    return document.write_pdf(), len(document.pages)
