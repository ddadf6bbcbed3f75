"""Filing a complaint as the public does: a browser that keeps its cookies and sends the form's CSRF token."""
from __future__ import annotations

import re

from django.test import Client

from deployments.complaints.models import Complaint

REFERENCE = re.compile(r'id="complaint-reference"><strong>(FRC-[0-9A-Z-]+)</strong>')


def public_client() -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.7")


def csrf_token(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def complaint_form(force_, **overrides) -> dict:
    return {"force": force_.code, "subject": "force", "deployment": "", "happened_on": "",
            "place": "Foregate Street station", "description": "A van with cameras filmed everyone leaving the "
            "station and nobody said why.", "contact_name": "Jo Bloggs", "contact_email": "jo@example.org",
            "contact_phone": "", **overrides}


def file_through_page(client: Client, force_, **overrides):
    """POST the public form with its token; returns (response, reference or None)."""
    token = csrf_token(client, "/transparency/complaints/")
    response = client.post("/transparency/complaints/", {**complaint_form(force_, **overrides),
                                                         "csrfmiddlewaretoken": token})
    found = REFERENCE.search(response.content.decode())
    return response, found.group(1) if found else None


def read_status(client: Client, reference: str):
    token = csrf_token(client, "/transparency/complaints/status/")
    return client.post("/transparency/complaints/status/", {"reference": reference, "csrfmiddlewaretoken": token})


def complaint_of(reference: str) -> Complaint:
    return Complaint.objects.get(reference=reference)
