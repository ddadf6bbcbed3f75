"""A force files its policy documents and supersedes them through pages, with the same checks as the API (a PDF
that could run a script is refused, naming the field); auditors read every force's, other forces none."""
from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from deployments.models import PolicyDocument
from oversight.models import AuditEvent


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def dpia(version: str, approved, content: bytes = b"%PDF-1.7\n% impact assessment\n") -> dict:
    return {"kind": "dpia", "title": "Live facial recognition DPIA", "version": version,
            "approved_on": approved.isoformat(), "next_review_on": (approved + timedelta(days=365)).isoformat(),
            "file": SimpleUploadedFile("dpia.pdf", content, content_type="application/pdf")}


def test_a_force_files_a_document_then_supersedes_it_and_both_stay_on_record(personas):
    today = timezone.localdate()
    admin = page_client(personas.admin_a)
    first = admin.post("/policy-documents/new/", dpia("1.0", today - timedelta(days=30)))
    old = PolicyDocument.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/records/policy-documents/{old.pk}/"
    listing = admin.get("/policy-documents/").content.decode()
    assert f'href="/policy-documents/new/?supersedes={old.pk}"' in listing
    form = admin.get(f"/policy-documents/new/?supersedes={old.pk}").content.decode()
    assert "Supersede Live facial recognition DPIA version 1.0" in form and 'value="Live facial recognition DPIA"' in form
    assert admin.post("/policy-documents/new/", dpia("2.0", today)).status_code == 302
    new = PolicyDocument.objects.get(version="2.0")
    listing = admin.get("/policy-documents/").content.decode()
    rows = {pk: listing.split(f'id="document-{pk}"')[1].split("</tr>")[0] for pk in (old.pk, new.pk)}
    assert "In force" in rows[new.pk] and "Superseded" in rows[old.pk]
    assert AuditEvent.objects.filter(action="policy_document.add", force=personas.force_a).count() == 2


def test_a_pdf_that_could_run_a_script_is_refused_naming_the_field_and_nothing_is_filed(personas):
    script = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n"
    response = page_client(personas.approver_a).post("/policy-documents/new/",
                                                     dpia("1.0", timezone.localdate(), script))
    assert response.status_code == 400
    html = response.content.decode()
    assert ">The document:" in html and "could run when it is opened" in html
    assert not PolicyDocument.objects.exists()
    missing = page_client(personas.approver_a).post("/policy-documents/new/", {"kind": "dpia"})
    assert missing.status_code == 400 and ">Title:" in missing.content.decode()


def test_who_may_file_and_who_may_read(personas):
    page_client(personas.admin_a).post("/policy-documents/new/", dpia("1.0", timezone.localdate()))
    doc = PolicyDocument.objects.get()
    for user in (personas.operator_a, personas.auditor):
        assert page_client(user).get("/policy-documents/new/").status_code == 403
    assert doc.title in page_client(personas.auditor).get("/policy-documents/").content.decode()
    other = page_client(personas.approver_b)
    assert doc.title not in other.get("/policy-documents/").content.decode()
    assert other.get(f"/records/policy-documents/{doc.pk}/").status_code == 404
    assert other.get(f"/policy-documents/new/?supersedes={doc.pk}").content.decode().count("Supersede") == 0
    assert page_client(None).get("/policy-documents/").status_code == 302
