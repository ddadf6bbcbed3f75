"""Adding people in bulk: a CSV and a zip of photos, each line judged by the one entry service and image gate,
a refused line writing nothing, and a report that says line by line who was added and why anyone was not."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deployments.models import WatchlistEntry
from oversight.models import AuditEvent
from tests.deployments.factories import JUSTIFICATION, face, lfr_deployment, png
from tests.deployments.helpers import page_client

HEADER = ("subject_reference,category,subject_kind,legal_bases,justification,image,image_source_system,image_date,"
          "quality_check,under_18,harm_justification\n")


def line(reference, *, category="wanted-by-court", kind="wanted", bases="PACE-S64A-CUSTODY;COURT-WARRANT",
         justification=JUSTIFICATION, image=None, date="2025-03-01", under_18="no", harm=""):
    return (f'{reference},{category},{kind},{bases},"{justification}",{image or reference + ".jpg"},PND,{date},'
            f"passed,{under_18},{harm}\n")


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(csv_text: str, zip_bytes: bytes) -> dict:
    return {"csv": SimpleUploadedFile("people.csv", csv_text.encode(), content_type="text/csv"),
            "images": SimpleUploadedFile("photos.zip", zip_bytes, content_type="application/zip")}


@pytest.fixture
def deployment(personas):
    return lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                          stage="draft", entries=1)


def url(deployment) -> str:
    return f"/deployments/{deployment.pk}/watchlist/bulk/"


def report_rows(html: str) -> dict[str, str]:
    """Each line of the report, by the CSV line it is about: 'accepted: ...' or 'refused: ...'."""
    rows = re.findall(r'<tr class="(accepted|refused)">\s*<td>(\d+)</td>\s*<td>([^<]*)</td>\s*<td>(.*?)</td>\s*</tr>',
                      html, re.S)
    return {f"line {number}": f"{state}: {reference} {re.sub(r'<[^>]+>', ' ', text)}"
            for state, number, reference, text in rows}


def test_good_lines_are_added_and_bad_lines_are_refused_with_their_reasons(personas, deployment):
    csv_text = (HEADER + line("BULK-0001") + line("BULK-0002", image="photos/second.jpg")
                + line("BULK-0003", justification="")                    # no justification (rule 9)
                + line("BULK-0004", category="of-interest")              # not on the closed list (rule 8)
                + line("BULK-0005", image="missing.jpg")                 # no such photo in the zip
                + line("BULK-0006", image="blank.png")                   # no face: the image gate refuses it
                + line("BULK-0007", date="01/03/2025")                   # not a date
                + line("BULK-0001"))                                     # already added two lines above
    photos = zipped({"BULK-0001.jpg": face(0), "photos/second.jpg": face(1), "BULK-0003.jpg": face(2),
                     "BULK-0004.jpg": face(0), "blank.png": png(), "BULK-0007.jpg": face(1)})
    entries, events = WatchlistEntry.objects.count(), AuditEvent.objects.count()
    response = page_client(personas.operator_a).post(url(deployment), upload(csv_text, photos))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>2</strong> of 8 added" in html
    rows = report_rows(html)
    assert len(rows) == 8
    assert rows["line 2"].startswith("accepted: BULK-0001") and rows["line 3"].startswith("accepted: BULK-0002")
    assert rows["line 4"].startswith("refused") and "necessary and proportionate" in rows["line 4"]
    assert rows["line 5"].startswith("refused") and "closed list" in rows["line 5"]
    assert "no photo called \u201cmissing.jpg\u201d" in rows["line 6"]
    assert rows["line 7"].startswith("refused") and "Face image" in rows["line 7"]
    assert "YYYY-MM-DD" in rows["line 8"]
    assert "already on the watchlist" in rows["line 9"]
    assert WatchlistEntry.objects.count() == entries + 2
    added = WatchlistEntry.objects.filter(subject_reference__startswith="BULK-")
    assert sorted(added.values_list("subject_reference", flat=True)) == ["BULK-0001", "BULK-0002"]
    assert added.get(subject_reference="BULK-0002").justification == JUSTIFICATION
    # Each added person is audited like one added by hand; refused lines leave no event.
    assert AuditEvent.objects.filter(action="watchlist_entry.add").count() == entries + 2
    assert AuditEvent.objects.count() > events
    words = re.sub(r'title="[^"]*"', "", html)  # rule ids only in a tooltip: the report speaks in words
    assert "R09-" not in words and "R08-" not in words and 'title="R09-entry-provenance"' in html


@pytest.mark.parametrize("name, members, message", [
    ("traversal", {"../../etc/evil.jpg": b"x"}, "outside its own folder"),
    ("absolute", {"/tmp/evil.jpg": b"x"}, "outside its own folder"),
])
def test_a_zip_naming_files_outside_its_folder_is_refused_whole(personas, deployment, name, members, message):
    before = WatchlistEntry.objects.count()
    response = page_client(personas.operator_a).post(
        url(deployment), upload(HEADER + line("BULK-0001", image="../../etc/evil.jpg"), zipped(members)))
    assert response.status_code == 400 and message in response.content.decode()
    assert WatchlistEntry.objects.count() == before


def test_files_that_are_not_what_they_claim_are_a_400_naming_the_field(personas, deployment):
    client = page_client(personas.operator_a)
    before = (WatchlistEntry.objects.count(), AuditEvent.objects.count())
    response = client.post(url(deployment), upload(HEADER + line("BULK-0001"), b"not a zip at all"))
    assert response.status_code == 400 and "Photos (zip): the file is not a zip archive" in response.content.decode()
    response = client.post(url(deployment), upload("name,photo\nJohn,a.jpg\n", zipped({"a.jpg": face(0)})))
    assert response.status_code == 400 and "missing: subject_reference" in response.content.decode()
    response = client.post(url(deployment), {"csv": SimpleUploadedFile("p.csv", b"")})
    assert response.status_code == 400 and "Photos (zip)" in response.content.decode()
    assert (WatchlistEntry.objects.count(), AuditEvent.objects.count()) == before


def test_the_zip_is_bounded_in_count(personas, deployment, monkeypatch):
    from deployments import bulk

    monkeypatch.setattr(bulk, "MAX_ZIP_MEMBERS", 2)
    photos = zipped({f"{i}.jpg": face(0) for i in range(3)})
    response = page_client(personas.operator_a).post(url(deployment), upload(HEADER + line("BULK-0001"), photos))
    assert response.status_code == 400 and "at most 2" in response.content.decode()


def test_only_people_who_may_change_the_watchlist_of_that_force_can_upload(personas, deployment):
    body = upload(HEADER + line("BULK-0001"), zipped({"BULK-0001.jpg": face(0)}))
    assert page_client(personas.operator_b).post(url(deployment), body).status_code == 404
    assert page_client(personas.approver_b).get(url(deployment)).status_code == 404
    anonymous = Client().get(url(deployment))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    auditor = page_client(personas.auditor).post(url(deployment), upload(HEADER + line("BULK-0001"),
                                                                         zipped({"BULK-0001.jpg": face(0)})))
    assert auditor.status_code == 403
    assert not WatchlistEntry.objects.filter(subject_reference="BULK-0001").exists()


def test_a_watchlist_that_can_no_longer_change_is_refused_whole_in_words(personas):
    authorised = lfr_deployment(force=personas.force_a, operator=personas.operator_a, approver=personas.approver_a,
                                stage="authorised", entries=1)
    before = (WatchlistEntry.objects.count(), AuditEvent.objects.count())
    response = page_client(personas.operator_a).post(
        url(authorised), upload(HEADER + line("BULK-0001"), zipped({"BULK-0001.jpg": face(0)})))
    html = response.content.decode()
    assert response.status_code == 400 and "you cannot change the watchlist of a deployment that is authorised" in html
    assert 'class="bulk-report"' not in html
    assert not re.search(r"R\d\d-", re.sub(r'title="[^"]*"', "", html))
    assert (WatchlistEntry.objects.count(), AuditEvent.objects.count()) == before
