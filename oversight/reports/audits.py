"""Audits of a force by the oversight body: open, sample, find, recommend; the force responds.

Every service names who acts, checks what they may do, and writes its change and an audit event in one
transaction. The sample is seeded and recorded with the populations it was drawn from, so anyone can draw it
again (`sample_redraw`) and get the same deployments and alerts.
"""
from __future__ import annotations

import random
import secrets
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from deployments.models import Authorisation, Deployment, PolicyDocument, WatchlistEntry
from matching.models import Alert
from oversight.audit.log import audit_record
from oversight.models import OVERSIGHT_ROLES, AuditEvent, Force, User
from oversight.permissions import ADMINISTER, AUTHORISE, can, require_role
from oversight.reports import audit_actions as actions
from oversight.reports.models import (
    AuditFinding, AuditRecommendation, AuditStatus, ForceAudit, LinkedKind, RecommendationResponse, ResponseDecision,
    Severity,
)
from oversight.reports.period import bounds, load

MIN_TEXT = 10
MAX_SAMPLE = 500


def _text(value: str, field: str, minimum: int = MIN_TEXT) -> str:
    if len((value or "").strip()) < minimum:
        raise ValidationError({field: f"write at least {minimum} characters"})
    return value.strip()


def _open(audit: ForceAudit) -> ForceAudit:
    locked = ForceAudit.objects.select_for_update().get(pk=audit.pk)
    if locked.status != AuditStatus.OPEN:
        raise ValidationError({"audit": "this audit is closed"})
    return locked


def force_audit_open(*, actor: User, force: Force, scope: str, period_start: date, period_end: date) -> ForceAudit:
    require_role(actor, OVERSIGHT_ROLES, "open an audit of a force")
    scope = _text(scope, "scope")
    if period_end < period_start:
        raise ValidationError({"period_end": "the period ends after it starts"})
    with transaction.atomic():
        audit = ForceAudit.objects.create(force=force, scope=scope, period_start=period_start, period_end=period_end,
                                          opened_by=actor, opened_at=timezone.now())
        audit_record(actor=actor, action=actions.FORCE_AUDIT_OPEN, obj=audit, force=force,
                     new={"scope": scope, "period_start": period_start, "period_end": period_end})
    return audit


def sample_populations(audit: ForceAudit) -> dict[str, list[int]]:
    """The deployments of the audit period (the regulator report's: decided LFR deployments that start in it)
    and their alerts, in id order, read from the same facts as the reports."""
    start, end = bounds(audit.period_start, audit.period_end)
    facts = load(forces=[audit.force], start=start, end=end)
    return {"deployments": sorted(df.pk for df in facts.deployments),
            "alerts": sorted(alert.pk for alert in facts.alerts)}


def sample_draw(population: list[int], size: int, seed: int) -> list[int]:
    """A simple random sample without replacement: the same population, size and seed give the same ids."""
    return sorted(random.Random(seed).sample(sorted(population), min(size, len(population))))


def sample_redraw(audit: ForceAudit) -> dict[str, list[int]]:
    """Draw the recorded sample again from its recorded populations and seed."""
    s = audit.sample
    return {name: sample_draw(s[name]["population"], s[name]["size"], audit.sample_seed)
            for name in ("deployments", "alerts")}


def force_audit_sample(*, actor: User, audit: ForceAudit, deployments: int, alerts: int,
                       seed: int | None = None) -> ForceAudit:
    """Draw the audit's sample once; it is recorded with its seed and populations and never redrawn."""
    require_role(actor, OVERSIGHT_ROLES, "draw an audit sample")
    for name, value in (("deployments", deployments), ("alerts", alerts)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SAMPLE:
            raise ValidationError({name: f"a whole number from 0 to {MAX_SAMPLE}"})
    seed = secrets.randbits(48) if seed is None else seed
    with transaction.atomic():
        audit = _open(audit)
        if audit.sample is not None:
            raise ValidationError({"sample": "the sample was already drawn; it is drawn once so that it cannot be "
                                             "chosen by redrawing"})
        populations = sample_populations(audit)
        sizes = {"deployments": deployments, "alerts": alerts}
        audit.sample_seed = seed
        audit.sample = {name: {"size": sizes[name], "population": ids, "drawn": sample_draw(ids, sizes[name], seed)}
                        for name, ids in populations.items()}
        audit.sample["method"] = "random.Random(seed).sample(sorted(population), min(size, len(population)))"
        audit.sampled_by, audit.sampled_at = actor, timezone.now()
        audit.save()
        audit_record(actor=actor, action=actions.FORCE_AUDIT_SAMPLE, obj=audit, force=audit.force,
                     new={"seed": seed, **{name: {"population": len(v["population"]), "drawn": v["drawn"]}
                                           for name, v in audit.sample.items() if name != "method"}})
    return audit


LINKED_MODELS = {
    LinkedKind.DEPLOYMENT: (Deployment, "force", "deployment-detail"),
    LinkedKind.ALERT: (Alert, "deployment__force", "alert-detail"),
    LinkedKind.WATCHLIST_ENTRY: (WatchlistEntry, "watchlist__deployment__force", "watchlist-entry-detail"),
    LinkedKind.AUTHORISATION: (Authorisation, "deployment__force", "authorisation-detail"),
    LinkedKind.POLICY_DOCUMENT: (PolicyDocument, "force", "policy-document-detail"),
}


def linked_url(kind: str, object_id: str) -> str:
    from django.urls import reverse

    if not kind or not object_id:
        return ""
    if kind == LinkedKind.AUDIT_EVENT:
        return reverse("audit-event-detail", args=[object_id])
    return reverse(LINKED_MODELS[kind][2], args=[object_id])


def _check_link(audit: ForceAudit, kind: str, object_id: str) -> str:
    if kind not in LinkedKind.values:
        raise ValidationError({"linked_kind": f"unknown kind {kind!r}"})
    object_id = (object_id or "").strip()
    if not kind:
        return ""
    if not object_id.isdigit():
        raise ValidationError({"linked_id": "give the number of the record"})
    if kind == LinkedKind.AUDIT_EVENT:
        found = AuditEvent.objects.filter(seq=int(object_id), force=audit.force).exists()
    else:
        model, force_field, _ = LINKED_MODELS[kind]
        found = model.objects.filter(pk=int(object_id), **{force_field: audit.force}).exists()
    if not found:
        raise ValidationError({"linked_id": f"{audit.force} has no {LinkedKind(kind).label.lower()} {object_id}"})
    return object_id


def audit_finding_add(*, actor: User, audit: ForceAudit, severity: str, text: str, linked_kind: str = "",
                      linked_id: str = "") -> AuditFinding:
    require_role(actor, OVERSIGHT_ROLES, "record a finding")
    if severity not in Severity.values:
        raise ValidationError({"severity": f"one of {', '.join(Severity.values)}"})
    text = _text(text, "text")
    with transaction.atomic():
        audit = _open(audit)
        linked_id = _check_link(audit, linked_kind, linked_id)
        finding = AuditFinding.objects.create(audit=audit, severity=severity, text=text, linked_kind=linked_kind,
                                              linked_id=linked_id, created_by=actor, created_at=timezone.now())
        audit_record(actor=actor, action=actions.FORCE_AUDIT_FINDING, obj=finding, force=audit.force,
                     new={"audit": audit.pk, "severity": severity, "text": text, "linked_kind": linked_kind,
                          "linked_id": linked_id})
    return finding


def audit_recommendation_add(*, actor: User, audit: ForceAudit, text: str, deadline: date,
                             finding: AuditFinding | None = None) -> AuditRecommendation:
    require_role(actor, OVERSIGHT_ROLES, "make a recommendation")
    text = _text(text, "text")
    if finding is not None and finding.audit_id != audit.pk:
        raise ValidationError({"finding": "the finding belongs to another audit"})
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": "the deadline is in the past"})
    with transaction.atomic():
        audit = _open(audit)
        rec = AuditRecommendation.objects.create(audit=audit, finding=finding, text=text, deadline=deadline,
                                                 created_by=actor, created_at=timezone.now())
        audit_record(actor=actor, action=actions.FORCE_AUDIT_RECOMMENDATION, obj=rec, force=audit.force,
                     new={"audit": audit.pk, "finding": finding.pk if finding else None, "text": text,
                          "deadline": deadline})
    return rec


def may_respond(user, audit: ForceAudit) -> bool:
    """A force administrator or an approver of the audited force, and nobody else."""
    return can(user, ADMINISTER, audit.force) or can(user, AUTHORISE, audit.force)


def recommendation_respond(*, actor: User, recommendation: AuditRecommendation, decision: str,
                           text: str) -> RecommendationResponse:
    audit = recommendation.audit
    if not may_respond(actor, audit):
        raise PermissionDenied(f"only an administrator or approver of {audit.force} may respond")
    if decision not in ResponseDecision.values:
        raise ValidationError({"decision": f"one of {', '.join(ResponseDecision.values)}"})
    text = _text(text, "text")
    with transaction.atomic():
        response = RecommendationResponse.objects.create(recommendation=recommendation, decision=decision, text=text,
                                                         responded_by=actor, responded_at=timezone.now())
        audit_record(actor=actor, action=actions.FORCE_AUDIT_RESPONSE, obj=response, force=audit.force,
                     new={"recommendation": recommendation.pk, "decision": decision, "text": text})
    return response


def force_audit_close(*, actor: User, audit: ForceAudit, reason: str = "") -> ForceAudit:
    require_role(actor, OVERSIGHT_ROLES, "close an audit")
    with transaction.atomic():
        audit = _open(audit)
        audit.status, audit.closed_by, audit.closed_at = AuditStatus.CLOSED, actor, timezone.now()
        audit.save(update_fields=["status", "closed_by", "closed_at"])
        audit_record(actor=actor, action=actions.FORCE_AUDIT_CLOSE, obj=audit, force=audit.force,
                     old={"status": AuditStatus.OPEN}, new={"status": AuditStatus.CLOSED}, reason=reason)
    return audit
