"""What the site sends besides its content, and what it accepts as a document: a Content-Security-Policy
that the pages work under, policy documents served only as downloads, PDFs that could run something refused,
secrets that could be guessed refused at start-up, and errors that say what was wrong."""
from __future__ import annotations

import os
import subprocess
import sys
import zlib
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from deployments import services as deployment_services
from deployments.models import AssetBooking, Deployment, PolicyDocument, WatchlistEntry
from oversight.models import AuditEvent
from tests.deployments.factories import lfr_deployment
from tests.deployments.helpers import database_state, page_client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


# --- Content-Security-Policy ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/transparency/", "/accounts/login/", "/legal-bases/", "/admin/login/"])
def test_every_page_forbids_inline_and_foreign_scripts(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    directives = _directives(response)
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]


def test_the_api_docs_load_their_script_from_a_file_and_only_widen_styles(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html  # every script has a src
    directives = _directives(response)
    assert directives["script-src"] == ["'self'"] and "'unsafe-inline'" in directives["style-src"]
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_forms_carry_no_inline_style(personas):
    pages = [(personas.auditor, "/oversight/reports/"), (personas.operator_a, "/deployments/new/")]
    for user, path in pages:
        response = page_client(user).get(path)
        assert response.status_code == 200, path
        assert " style=" not in response.content.decode(), path


def test_pages_carry_no_inline_script():
    templates = os.path.join(ROOT, "templates")
    for folder, _, names in os.walk(templates):
        for name in names:
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            assert "<script>" not in text and " onclick=" not in text and " onload=" not in text, name


# --- Policy documents ---------------------------------------------------------------------------------------------------
def _document(file) -> dict:
    return {"kind": "dpia", "title": "LFR DPIA", "version": "2.1", "approved_on": str(date.today()),
            "next_review_on": str(date.today() + timedelta(days=365)), "published": True, "file": file}


def _pdf(body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("dpia.pdf", b"%PDF-1.7\n" + body + b"\n%%EOF\n", content_type="application/pdf")


ACTIVE_PDFS = {
    "an OpenAction running JavaScript": b"1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
    "a JavaScript name tree": b"1 0 obj << /Names << /JavaScript 2 0 R >> >> endobj",
    "automatic actions on a page": b"3 0 obj << /Type /Page /AA << /O 4 0 R >> >> endobj",
    "a Launch action": b"4 0 obj << /S /Launch /F (cmd.exe) >> endobj",
    "a name written with #xx escapes": b"1 0 obj << /OpenAction << /S /J#61vaScript /J#53 (x) >> >> endobj",
    "a script inside a compressed object stream": b"5 0 obj << /Type /ObjStm /Filter /FlateDecode >> stream\n"
    + zlib.compress(b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>") + b"\nendstream endobj",
}


@pytest.mark.parametrize("what", list(ACTIVE_PDFS))
def test_a_pdf_that_could_run_something_is_refused_naming_why(personas, what):
    before = (PolicyDocument.objects.count(), AuditEvent.objects.count())
    response = personas.api(personas.approver_a).post("/api/policy-documents/", _document(_pdf(ACTIVE_PDFS[what])),
                                                      format="multipart")
    assert response.status_code == 400, response.content
    message = response.json()["file"][0]
    assert "could run when it is opened" in message
    assert any(word in message for word in ("JavaScript", "automatic actions", "launches a program"))
    assert (PolicyDocument.objects.count(), AuditEvent.objects.count()) == before


def test_an_ordinary_pdf_with_an_open_action_that_only_shows_a_page_is_accepted(personas):
    plain = _pdf(b"1 0 obj << /Type /Catalog /OpenAction [3 0 R /Fit] /AAPL:Keywords [] >> endobj")
    response = personas.api(personas.approver_a).post("/api/policy-documents/", _document(plain), format="multipart")
    assert response.status_code == 201, response.content


def test_a_policy_document_is_served_as_a_download_never_inline(personas):
    api = personas.api(personas.approver_a)
    created = api.post("/api/policy-documents/", _document(_pdf(b"1 0 obj << >> endobj")), format="multipart")
    download = api.get(f"/api/policy-documents/{created.json()['id']}/file/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;") and ".pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"


# --- Secrets at start-up ------------------------------------------------------------------------------------------------
def _start(**variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "DATABASE_URL"))}
    env.update({"APP_ENV": "production", "APP_ALLOWED_HOSTS": "fr.example", "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": "postgresql://fr:secret@127.0.0.1:5432/fr"}, **variables)
    return subprocess.run([sys.executable, "-c", "from django.conf import settings; settings.SECRET_KEY"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


GOOD_SECRET = "k3J9-x_Qm2vT8pLw7rZc4nHb6yFs1aDe5gUo0iXq-VtRjMkNpLs"
GOOD_SIGNING_KEY = "9f" + "".join(f"{n:02x}" for n in range(31))


@pytest.mark.parametrize("secret", ["x", "changeme", "a" * 64, "django-insecure-" + "q1w2e3r4t5" * 5])
def test_a_weak_secret_key_stops_a_production_start_naming_the_variable(secret):
    result = _start(APP_SECRET_KEY=secret, APP_AUDIT_SIGNING_KEY=GOOD_SIGNING_KEY)
    assert result.returncode != 0
    assert "APP_SECRET_KEY is too weak" in result.stderr


@pytest.mark.parametrize("key", ["x", "00" * 32, "zz" * 32, GOOD_SIGNING_KEY[:-2]])
def test_a_malformed_audit_signing_key_stops_start_up_naming_the_variable(key):
    result = _start(APP_SECRET_KEY=GOOD_SECRET, APP_AUDIT_SIGNING_KEY=key)
    assert result.returncode != 0
    assert "APP_AUDIT_SIGNING_KEY must be an Ed25519 private key" in result.stderr


def test_strong_secrets_start(db):
    result = _start(APP_SECRET_KEY=GOOD_SECRET, APP_AUDIT_SIGNING_KEY=GOOD_SIGNING_KEY)
    assert result.returncode == 0, result.stderr


# --- Errors that say what was wrong -----------------------------------------------------------------------------------
def test_a_van_another_force_holds_is_refused_without_its_schedule(personas):
    p = personas
    held = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, van="lfr-van-03", entries=1,
                          stage="draft", title="Covert operation Nightjar")
    other = lfr_deployment(force=p.force_b, operator=p.operator_b, approver=p.approver_b, stage="draft", entries=1,
                           starts_in=timedelta(hours=5))
    before = AssetBooking.objects.count(), AuditEvent.objects.count()
    response = p.api(p.operator_b).post(f"/api/deployments/{other.pk}/book/", {"asset": "lfr-van-03"}, format="json")
    assert response.status_code == 400
    message = response.json()["assets"][0]
    asked = [timezone.localtime(t) for t in (other.starts_at, other.ends_at)]
    theirs = [timezone.localtime(t) for t in (held.starts_at, held.ends_at)]
    assert message == (f"lfr-van-03 is not available from {asked[0]:%d %b %Y %H:%M} to {asked[1]:%d %b %Y %H:%M}; "
                       "choose another")
    for t in theirs:
        assert f"{t:%H:%M}" not in message
    assert "Nightjar" not in message and "South Mercia" not in message and "another force" not in message
    assert (AssetBooking.objects.count(), AuditEvent.objects.count()) == before


def test_an_approver_who_decides_second_is_told_why_on_the_page(personas):
    p = personas
    deployment = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, entries=1)
    deployment_services.deployment_authorise(actor=p.approver_a, deployment=deployment,
                                             reasons="Necessary and proportionate: nothing less intrusive works.")
    before = database_state()
    response = page_client(p.approver_a).post(f"/deployments/{deployment.pk}/decide/", {
        "decision": "refuse", "reasons": "Refused: the intelligence case is too thin for this many faces."})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "authorised" in page.split("There is a problem", 1)[1].split("</div>", 1)[0].lower()
    assert database_state() == before
    assert Deployment.objects.get(pk=deployment.pk).status == "authorised"


def test_a_request_larger_than_the_site_accepts_is_a_413_that_says_so(personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = Deployment.objects.count(), AuditEvent.objects.count()
    api = personas.api(personas.approver_a)
    big = "x" * 20_000
    for response in [api.post("/api/deployments/", {"title": big}, format="multipart"),
                     api.post("/api/deployments/", {"title": big}, format="json")]:
        assert response.status_code == 413, response.content[:300]
        assert response["Content-Type"] == "application/json"
        assert "too large" in response.json()["detail"] and "MB" in response.json()["detail"]
    page = Client().post("/accounts/login/", {"username": "someone", "password": big})
    assert page.status_code == 413 and "too large" in page.content.decode()
    assert "Traceback" not in page.content.decode()
    assert (Deployment.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("header", [None, "Device", "Bearer abc", "Device not-a-token"])
def test_a_camera_without_a_valid_token_gets_a_401_saying_how_to_authenticate(db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().post("/api/live/1/frames/", {}, **extra)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Device")
    assert "token" in response.json()["detail"]


def test_a_watchlist_image_deleted_under_retention_is_a_410_naming_it(personas):
    p = personas
    deployment = lfr_deployment(force=p.force_a, operator=p.operator_a, approver=p.approver_a, entries=2,
                                stage="draft")
    deleted, missing = WatchlistEntry.objects.filter(watchlist__deployment=deployment).order_by("pk")
    # What the retention run leaves: the file gone and the field emptied; and a file lost from the disk.
    deleted.image.delete(save=False)
    WatchlistEntry.objects.filter(pk=deleted.pk).update(image="")
    os.remove(missing.image.path)
    api = p.api(p.operator_a)
    response = api.get(f"/api/watchlist-entries/{deleted.pk}/image/")
    assert response.status_code == 410
    assert response.json()["detail"] == (f"the image of watchlist entry {deleted.pk} was deleted under the "
                                         "retention policy")
    response = api.get(f"/api/watchlist-entries/{missing.pk}/image/")
    assert response.status_code == 404 and "missing" in response.json()["detail"]
