"""Policy documents: PDF or plain text only, within a size limit, filed by an approver or administrator."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deployments import files
from deployments.models import PolicyDocument
from tests.deployments.factories import png


def body(**changes):
    data = {"kind": "dpia", "title": "LFR DPIA", "version": "2.1", "approved_on": str(date.today()),
            "next_review_on": str(date.today() + timedelta(days=365)), "published": True,
            "file": SimpleUploadedFile("dpia.pdf", b"%PDF-1.7\n...", content_type="application/pdf")}
    return data | changes


def test_an_approver_files_a_pdf_and_the_force_can_download_it(personas):
    api = personas.api(personas.approver_a)
    response = api.post("/api/policy-documents/", body(), format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf" and response.json()["force"] == "south-mercia"
    download = api.get(f"/api/policy-documents/{response.json()['id']}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_plain_text_is_accepted(personas):
    response = personas.api(personas.admin_a).post(
        "/api/policy-documents/", body(kind="sop", file=SimpleUploadedFile("sop.txt", "Procédure\n".encode())),
        format="multipart")
    assert response.status_code == 201 and response.json()["content_type"] == "text/plain"


@pytest.mark.parametrize("upload", [
    SimpleUploadedFile("dpia.pdf", png(), content_type="application/pdf"),
    SimpleUploadedFile("dpia.pdf", b"MZ\x90\x00\x03 an executable", content_type="application/pdf"),
], ids=["an-image-called-pdf", "a-binary"])
def test_other_content_is_refused_whatever_its_name(personas, upload):
    response = personas.api(personas.approver_a).post("/api/policy-documents/", body(file=upload), format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    assert not PolicyDocument.objects.exists()


def test_an_oversized_document_is_refused(personas):
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * files.MAX_DOCUMENT_BYTES)
    response = personas.api(personas.approver_a).post("/api/policy-documents/", body(file=big), format="multipart")
    assert response.status_code == 400 and "limit" in response.json()["file"][0]


def test_a_bias_test_names_its_algorithm_and_thresholds(personas):
    response = personas.api(personas.approver_a).post("/api/policy-documents/", body(kind="bias_test"),
                                                      format="multipart")
    assert response.status_code == 400
    assert {"algorithm_version", "threshold_min", "threshold_max", "no_difference_from"} <= set(response.json())
    response = personas.api(personas.approver_a).post("/api/policy-documents/", body(
        kind="bias_test", algorithm_version="nec-neoface-v4", threshold_min=0.56, threshold_max=0.7,
        no_difference_from=0.6), format="multipart")
    assert response.status_code == 201 and response.json()["no_difference_from"] == 0.6


def test_a_review_date_before_the_approval_is_refused(personas):
    response = personas.api(personas.approver_a).post(
        "/api/policy-documents/", body(next_review_on=str(date.today() - timedelta(days=1))), format="multipart")
    assert response.status_code == 400 and "next_review_on" in response.json()


def test_an_operator_cannot_file_policy_documents(personas):
    assert personas.api(personas.operator_a).post("/api/policy-documents/", body(),
                                                  format="multipart").status_code == 403
