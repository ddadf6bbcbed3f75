"""What the public may read at any time, live: advance notices, notices withheld for a critical threat once
those deployments are over, a force's profile (contact, published categories, criteria, documents) and its
published documents."""
from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.text import slugify

from deployments import selectors as governance
from deployments.lifecycle import deployment_is_over
from deployments.models import Deployment, DocumentKind, Kind, PolicyDocument, Status
from oversight.models import Force
from oversight.transparency.figures.redaction import Redactor, public_area
from oversight.transparency.figures.wording import deployment_criteria, iso_minute, local

def notice(deployment: Deployment) -> str:
    return "withheld_critical_threat" if deployment.critical_threat_exemption else "published_in_advance"


# --- Live public reads ------------------------------------------------------------------------------------
def _notice_row(deployment: Deployment, redact: Redactor, now: datetime) -> dict:
    return {
        "force_code": deployment.force.code,
        "force": deployment.force.name,
        "date": local(deployment.starts_at).date().isoformat(),
        "window_start": iso_minute(deployment.starts_at),
        "window_end": iso_minute(deployment.ends_at),
        **public_area(deployment, redact),
        "purpose": redact(deployment.policing_objective),
        "state": "in_progress" if deployment.status == Status.ACTIVE and deployment.starts_at <= now else "coming",
    }


def advance_notices(*, now: datetime | None = None, force: Force | None = None,
                    redact: Redactor | None = None) -> list[dict]:
    """Authorised or active LFR deployments that have not ended and whose notice is public (rule 4)."""
    now = now or timezone.now()
    redact = redact or Redactor()
    deployments = (Deployment.objects.filter(
        kind=Kind.LFR, status__in=[Status.AUTHORISED, Status.URGENT_AUTHORISED, Status.ACTIVE],
        critical_threat_exemption=False, covert=False, ends_at__gt=now)
        .select_related("force").order_by("starts_at", "id"))
    if force is not None:
        deployments = deployments.filter(force=force)
    return [_notice_row(d, redact, now) for d in deployments]


def withheld_notices(*, now: datetime | None = None, force: Force | None = None, since: datetime | None = None,
                     redact: Redactor | None = None) -> list[dict]:
    """LFR deployments that ran under a critical-threat exemption, shown only once they are over."""
    now = now or timezone.now()
    redact = redact or Redactor()
    deployments = (Deployment.objects.filter(kind=Kind.LFR, critical_threat_exemption=True, covert=False,
                                             activated_at__isnull=False)
                   .select_related("force").order_by("-starts_at", "-id"))
    if force is not None:
        deployments = deployments.filter(force=force)
    if since is not None:
        deployments = deployments.filter(ends_at__gte=since)
    rows = []
    for deployment in deployments:
        if deployment_is_over(deployment, now):
            row = _notice_row(deployment, redact, now)
            row["state"] = "over"
            row["notice"] = "Notice withheld under a recorded critical-threat exemption"
            rows.append(row)
    return rows


def _published_categories(force: Force, redact: Redactor) -> list[dict]:
    return [{"code": c.code, "name": redact(c.name), "description": redact(c.public_description)}
            for c in governance.watchlist_category_list_published(force=force)]


def _published_documents(force: Force, redact: Redactor, at: datetime) -> list[dict]:
    today = local(at).date()
    rows = []
    for doc in PolicyDocument.objects.filter(force=force, published=True).select_related("algorithm_version") \
            .order_by("kind", "-approved_on", "-id"):
        row = {
            "id": doc.pk, "kind": doc.kind, "kind_label": DocumentKind(doc.kind).label, "title": redact(doc.title),
            "version": redact(doc.version), "approved_on": doc.approved_on.isoformat(),
            "next_review_on": doc.next_review_on.isoformat(), "review_overdue": doc.next_review_on < today,
        }
        if doc.kind == DocumentKind.BIAS_TEST:
            row |= {"algorithm": doc.algorithm_version.code, "threshold_min": doc.threshold_min,
                    "threshold_max": doc.threshold_max, "no_difference_from": doc.no_difference_from}
        rows.append(row)
    return rows


def force_profile(*, force: Force, now: datetime | None = None, redact: Redactor | None = None) -> dict:
    """What the public may know about a force at any time: contact, categories, criteria, documents."""
    now = now or timezone.now()
    redact = redact or Redactor()
    return {
        "code": force.code,
        "name": force.name,
        "contact_email": force.contact_email or None,
        "watchlist_categories": _published_categories(force, redact),
        "deployment_criteria": deployment_criteria(at=now),
        "documents": _published_documents(force, redact, now),
    }


def published_document(*, force: Force, pk: int):
    """A published policy document's file, content type and a download name made from its title (not its file)."""
    doc = PolicyDocument.objects.filter(force=force, published=True, pk=pk).first()
    if doc is None or not doc.file:
        return None
    suffix = ".pdf" if doc.content_type == "application/pdf" else ".txt"
    name = slugify(f"{force.code} {Redactor()(doc.title)} {doc.version}") + suffix
    return doc.file, doc.content_type or "application/octet-stream", name
