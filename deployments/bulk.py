"""Reading a bulk watchlist upload: a CSV of people and a zip of their photos, each bounded and read in memory.

Nothing here writes: it turns the two files into rows the entry service judges one at a time. A zip member is
never extracted to disk, so its name cannot point anywhere; names that try to (absolute, `..`, drive letters)
are refused all the same, so a row can never be matched to a file outside the folder the sender meant.
"""
from __future__ import annotations

import csv
import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError

from deployments.files import MAX_IMAGE_BYTES

MAX_ROWS = 500
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_ZIP_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = MAX_ROWS
MAX_ZIP_INFLATED = 400 * 1024 * 1024
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")

REQUIRED = ["subject_reference", "category", "subject_kind", "legal_bases", "justification", "image",
            "image_source_system", "image_date", "quality_check"]
OPTIONAL = ["extra_justification", "quality_note", "under_18", "harm_justification", "unconvicted",
            "deletion_status"]
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


@dataclass
class Row:
    line: int
    reference: str
    values: dict = field(default_factory=dict)
    image_name: str = ""
    problems: dict[str, list[str]] = field(default_factory=dict)


def _refuse(name: str, message: str) -> ValidationError:
    return ValidationError({name: message})


def csv_rows(upload, *, field_name: str = "csv") -> list[Row]:
    """The rows of the CSV, each with its values parsed (or what is wrong with them); a file that is not a CSV
    of the expected columns is refused whole."""
    if upload is None:
        raise _refuse(field_name, "attach the CSV of people (one row per person)")
    if upload.size > MAX_CSV_BYTES:
        raise _refuse(field_name, f"the CSV is {upload.size:,} bytes; at most {MAX_CSV_BYTES:,}")
    upload.seek(0)
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(field_name, "the CSV is not UTF-8 text: save it as \u201cCSV UTF-8\u201d") from None
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        raise _refuse(field_name, f"the CSV's first line must name its columns; missing: {', '.join(missing)}")
    unknown = [h for h in headers if h not in REQUIRED + OPTIONAL]
    if unknown:
        raise _refuse(field_name, f"unknown columns: {', '.join(unknown)} (expected {', '.join(REQUIRED + OPTIONAL)})")
    reader.fieldnames = headers
    rows = []
    for raw in reader:
        if len(rows) >= MAX_ROWS:
            raise _refuse(field_name, f"at most {MAX_ROWS} people in one upload; split the file")
        if None in raw:
            rows.append(Row(line=reader.line_num, reference=(raw.get("subject_reference") or "").strip(),
                            problems={"csv": ["this line has more values than there are columns"]}))
            continue
        values = {name: (raw.get(name) or "").strip() for name in headers}
        if not any(values.values()):
            continue  # a blank line
        rows.append(_row(reader.line_num, values))
    if not rows:
        raise _refuse(field_name, "the CSV names its columns but lists no one")
    return rows


def _row(line: int, values: dict) -> Row:
    row = Row(line=line, reference=values["subject_reference"], image_name=values["image"])
    problems = row.problems
    parsed = {name: values.get(name, "") for name in REQUIRED + OPTIONAL if name not in ("image", "legal_bases")}
    parsed["legal_basis_codes"] = [code for code in values["legal_bases"].replace(",", ";").replace(" ", ";")
                                   .split(";") if code]
    try:
        parsed["image_date"] = date.fromisoformat(values["image_date"]) if values["image_date"] else None
    except ValueError:
        problems["image_date"] = [f"\u201c{values['image_date']}\u201d is not a date written as YYYY-MM-DD"]
    for name in ("under_18", "unconvicted"):
        answer = values.get(name, "").lower()
        if answer not in YES | NO:
            problems[name] = [f"write yes or no, not \u201c{values.get(name)}\u201d"]
        parsed[name] = answer in YES
    parsed["deletion_status"] = values.get("deletion_status") or "none"
    row.values = parsed
    return row


def safe_member_name(name: str) -> str | None:
    """The member's name as a plain relative path, or None when it is absolute or climbs out (`..`)."""
    if not name or "\\" in name or name.startswith("/") or "\x00" in name or (len(name) > 1 and name[1] == ":"):
        return None
    normal = posixpath.normpath(name)
    if normal.startswith("../") or normal == ".." or normal.startswith("/"):
        return None
    return normal


def zip_images(upload, *, field_name: str = "images") -> dict[str, bytes]:
    """The photos of the zip by name (case-insensitive), read into memory within the bounds; folders, system
    files and other kinds of file are skipped. A zip that breaks a bound or is not a zip is refused whole."""
    if upload is None:
        raise _refuse(field_name, "attach a zip of the photos named in the CSV")
    if upload.size > MAX_ZIP_BYTES:
        raise _refuse(field_name, f"the zip is {upload.size / 2**20:.0f} MB; at most {MAX_ZIP_BYTES // 2**20} MB")
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(field_name, "the file is not a zip archive") from None
    photos = [m for m in members if not m.is_dir() and m.filename.lower().endswith(IMAGE_SUFFIXES)
              and not posixpath.basename(m.filename).startswith(".") and "__MACOSX/" not in m.filename]
    if len(photos) > MAX_ZIP_MEMBERS:
        raise _refuse(field_name, f"the zip holds {len(photos)} photos; at most {MAX_ZIP_MEMBERS}")
    unsafe = [m.filename for m in photos if safe_member_name(m.filename) is None]
    if unsafe:
        raise _refuse(field_name, f"the zip names files outside its own folder ({', '.join(unsafe[:3])}); "
                                  "make the zip again from the folder of photos")
    if sum(m.file_size for m in photos) > MAX_ZIP_INFLATED:
        raise _refuse(field_name, f"the photos unpack to more than {MAX_ZIP_INFLATED // 2**20} MB")
    images: dict[str, bytes] = {}
    for member in photos:
        key = safe_member_name(member.filename).lower()
        if member.file_size > MAX_IMAGE_BYTES:
            images[key] = b""  # judged per row: the photo is too large
            continue
        try:
            with archive.open(member) as handle:
                data = handle.read(MAX_IMAGE_BYTES + 1)  # the declared size may lie: never read past the bound
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
            raise _refuse(field_name, f"{member.filename} in the zip cannot be read (damaged or encrypted)") from None
        images[key] = data if len(data) <= MAX_IMAGE_BYTES else b""
    return images


def image_for(row: Row, images: dict[str, bytes]) -> bytes | None:
    """The row's photo by its name in the zip: the exact relative path, or the file name alone when it is unique."""
    name = safe_member_name(row.image_name)
    if name is None:
        return None
    key = name.lower()
    if key in images:
        return images[key]
    matches = [k for k in images if posixpath.basename(k) == posixpath.basename(key)]
    return images[matches[0]] if len(matches) == 1 else None
