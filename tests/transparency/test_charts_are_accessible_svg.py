"""oversight/charts.py draws bar and line charts as inline SVG with a title, a description and a data table."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from oversight.charts import bar_chart, format_number, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg.*</svg>", markup, re.S).group(0))


@pytest.mark.parametrize("draw", [bar_chart, line_chart])
def test_a_chart_names_and_describes_itself_and_carries_its_numbers(draw):
    markup = draw([("Jan 2026", 1200), ("Feb 2026", 3), ("Mar 2026", 0)], title="Faces processed", unit="faces")
    svg = _svg(markup)
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id and svg.find(f"{SVG}title").text == "Faces processed"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == desc_id and "Highest 1,200 faces (Jan 2026)" in desc.text
    table = re.search(r"<table.*</table>", markup, re.S).group(0)
    assert "<caption>Faces processed</caption>" in table
    assert re.findall(r'<td class="number">([^<]*)</td>', table) == ["1,200", "3", "0"]
    marks = svg.findall(f".//{SVG}rect") or svg.findall(f".//{SVG}circle")
    assert [m.find(f"{SVG}title").text for m in marks] == ["Jan 2026: 1,200 faces", "Feb 2026: 3 faces",
                                                          "Mar 2026: 0 faces"]


def test_bars_are_drawn_to_scale_from_zero():
    svg = _svg(bar_chart([("A", 10), ("B", 5)], title="Scale"))
    tall, short = (float(r.get("height")) for r in svg.findall(f".//{SVG}rect"))
    assert tall == pytest.approx(2 * short)


def test_text_is_escaped_and_output_is_deterministic():
    series = [("<script>alert(1)</script>", 2), ("Q&A", 1)]
    markup = bar_chart(series, title='Title "quoted" <b>', unit="a&b")
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "Q&amp;A" in markup
    _svg(markup)  # still well-formed XML
    assert markup == bar_chart(series, title='Title "quoted" <b>', unit="a&b")
    assert bar_chart(series, title="One") != bar_chart(series, title="Two")


def test_empty_series_and_bad_values():
    assert "No data for this period" in bar_chart([], title="Nothing")
    assert "No data for this period" in line_chart([], title="Nothing")
    with pytest.raises(ValueError):
        bar_chart([("A", float("nan"))], title="Bad")
    assert [format_number(v) for v in (3147436, 2.5, 0.04166, 1.0)] == ["3,147,436", "2.5", "0.0417", "1"]


@pytest.mark.parametrize("high,labels", [(1, ["0", "1", "2"]), (5, ["0", "5", "10"]), (24, ["0", "25", "50"]),
                                         (0, ["0", "1", "2"])])
def test_a_chart_of_counts_has_whole_numbers_on_its_axis(high, labels):
    svg = _svg(bar_chart([("South Mercia", high), ("North Wessex", 0)], title="Open exceptions"))
    axis = [t.text for t in svg.findall(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert axis == labels


def test_a_chart_of_rates_keeps_fractional_steps():
    svg = _svg(bar_chart([("A", 0.8), ("B", 0.3)], title="Share"))
    assert [t.text for t in svg.findall(f"{SVG}text") if t.get("text-anchor") == "end"] == ["0", "0.5", "1"]


def test_a_long_category_label_breaks_between_words_instead_of_being_cut():
    svg = _svg(bar_chart([("South Mercia", 3), ("North Wessex", 5)], title="Deployments by force", width=320))
    labels = [" ".join(t.itertext()).split() for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert ["North", "Wessex"] in labels and ["South", "Mercia"] in labels
    assert not any("…" in word for words in labels for word in words)
