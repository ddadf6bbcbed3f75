"""Audits of a force by the oversight body: open, sample, find, recommend; the force responds.

Every service names who acts, checks what they may do, and writes its change and an audit event in one
transaction. The sample (deployments, alerts, watchlist entries, RFR searches and OIFR checks) is seeded and
recorded with the populations it was drawn from, so anyone can draw it again (`sample_redraw`) and get the same
records; each sampled record then gets a checklist the auditor fills in (`audit_sample_check`).
"""
from __future__ import annotations

import random
import secrets
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from deployments.models import Authorisation, Deployment, PolicyDocument, WatchlistEntry
from matching.models import Alert, OifrCheck, RfrSearch
from oversight import labels
from oversight.audit.log import audit_record
from oversight.models import OVERSIGHT_ROLES, AuditEvent, Force, User
from oversight.permissions import ADMINISTER, AUTHORISE, can, require_role
from oversight.reports import audit_actions as actions
from oversight.reports.models import (
    CHECKLIST, Answer, AuditFinding, AuditRecommendation, AuditSampleCheck, AuditStatus, ForceAudit, LinkedKind,
    RecommendationResponse, ResponseDecision, SampleKind, Severity,
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


# What each kind of sampled record is, as the audit log names it (its label and page come from oversight.labels).
SAMPLE_MODELS = {
    SampleKind.DEPLOYMENT: Deployment,
    SampleKind.ALERT: Alert,
    SampleKind.WATCHLIST_ENTRY: WatchlistEntry,
    SampleKind.RFR_SEARCH: RfrSearch,
    SampleKind.OIFR_CHECK: OifrCheck,
}

SAMPLE_METHOD = (
    "A simple random sample without replacement, drawn separately from each kind of record. Each population is "
    "every record of that kind the audit covers, listed in order of its number; a pseudo-random number generator "
    "(Python's Mersenne Twister) started from the recorded seed picks the requested number of them, or all of them "
    "when there are fewer. The same lists and seed always give the same sample, so anyone can draw it again and "
    "check that it was not chosen by hand."
)
POPULATIONS = (
    "Deployments: the force's live deployments with a decision on record that start in the period. "
    "Alerts: every alert of those deployments. Watchlist entries: every entry on their watchlists. "
    "RFR searches and OIFR checks: every one the force made in the period."
)


def sample_populations(audit: ForceAudit) -> dict[str, list[int]]:
    """Every record of each kind the audit covers, in id order. Deployments and alerts come from the same facts
    as the reports (decided LFR deployments that start in the period)."""
    start, end = bounds(audit.period_start, audit.period_end)
    facts = load(forces=[audit.force], start=start, end=end)
    deployments = sorted(df.pk for df in facts.deployments)
    ids = lambda qs: list(qs.order_by("pk").values_list("pk", flat=True))  # noqa: E731
    return {
        SampleKind.DEPLOYMENT.value: deployments,
        SampleKind.ALERT.value: sorted(alert.pk for alert in facts.alerts),
        SampleKind.WATCHLIST_ENTRY.value: ids(WatchlistEntry.objects.filter(watchlist__deployment__in=deployments)),
        SampleKind.RFR_SEARCH.value: ids(RfrSearch.objects.filter(force=audit.force, created_at__gte=start,
                                                                  created_at__lt=end)),
        SampleKind.OIFR_CHECK.value: ids(OifrCheck.objects.filter(force=audit.force, created_at__gte=start,
                                                                  created_at__lt=end)),
    }


def sample_draw(population: list[int], size: int, seed: int) -> list[int]:
    """A simple random sample without replacement: the same population, size and seed give the same ids."""
    return sorted(random.Random(seed).sample(sorted(population), min(size, len(population))))


def sample_redraw(audit: ForceAudit) -> dict[str, list[int]]:
    """Draw the recorded sample again from its recorded populations and seed."""
    s = audit.sample
    return {name: sample_draw(s[name]["population"], s[name]["size"], audit.sample_seed)
            for name in SampleKind.values if name in s}


def force_audit_sample(*, actor: User, audit: ForceAudit, deployments: int, alerts: int, watchlist_entries: int = 0,
                       rfr_searches: int = 0, oifr_checks: int = 0, seed: int | None = None) -> ForceAudit:
    """Draw the audit's sample once; it is recorded with its seed and populations and never redrawn."""
    require_role(actor, OVERSIGHT_ROLES, "draw an audit sample")
    sizes = {"deployments": deployments, "alerts": alerts, "watchlist_entries": watchlist_entries,
             "rfr_searches": rfr_searches, "oifr_checks": oifr_checks}
    for name, value in sizes.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SAMPLE:
            raise ValidationError({name: f"a whole number from 0 to {MAX_SAMPLE}"})
    seed = secrets.randbits(48) if seed is None else seed
    with transaction.atomic():
        audit = _open(audit)
        if audit.sample is not None:
            raise ValidationError({"sample": "the sample was already drawn; it is drawn once so that it cannot be "
                                             "chosen by redrawing"})
        populations = sample_populations(audit)
        audit.sample_seed = seed
        audit.sample = {name: {"size": sizes[name], "population": ids, "drawn": sample_draw(ids, sizes[name], seed)}
                        for name, ids in populations.items()}
        audit.sample["method"] = SAMPLE_METHOD
        audit.sampled_by, audit.sampled_at = actor, timezone.now()
        audit.save()
        audit_record(actor=actor, action=actions.FORCE_AUDIT_SAMPLE, obj=audit, force=audit.force,
                     new={"seed": seed, **{name: {"population": len(v["population"]), "drawn": v["drawn"]}
                                           for name, v in audit.sample.items() if name != "method"}})
    return audit


def sample_items(audit: ForceAudit) -> list[dict]:
    """Every sampled record with its label, its page and its checklist (None until the auditor fills it in)."""
    if not audit.sample:
        return []
    checks = {(c.kind, c.object_id): c for c in audit.checks.select_related("checked_by")}
    items = []
    for kind in SampleKind:
        drawn = (audit.sample.get(kind.value) or {}).get("drawn", [])
        model = SAMPLE_MODELS[kind]
        object_type = model._meta.label_lower
        for pk in drawn:
            items.append({"kind": kind, "object_id": pk, "object_type": object_type,
                          "label": labels.object_label(object_type, pk, force=audit.force),
                          "url": labels.object_url(object_type, pk), "check": checks.get((kind.value, pk))})
    return items


def audit_sample_check(*, actor: User, audit: ForceAudit, kind: str, object_id: int, findings: str = "",
                       **answers: str) -> AuditSampleCheck:
    """Fill in (or revise) the checklist of one sampled record; every version is an audit event."""
    require_role(actor, OVERSIGHT_ROLES, "fill in an audit checklist")
    if kind not in SampleKind.values:
        raise ValidationError({"kind": f"one of {', '.join(SampleKind.values)}"})
    questions = dict(CHECKLIST)
    unknown = set(answers) - set(questions)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "not a question of the checklist"})
    for field, value in answers.items():
        if value not in Answer.values:
            raise ValidationError({field: f"answer one of: {', '.join(a.label.lower() for a in Answer)}"})
    findings = (findings or "").strip()
    if Answer.NO in answers.values() and len(findings) < MIN_TEXT:
        raise ValidationError({"findings": f"say what is wrong in at least {MIN_TEXT} characters when an answer "
                                           "is no"})
    with transaction.atomic():
        audit = _open(audit)
        drawn = ((audit.sample or {}).get(kind) or {}).get("drawn", [])
        if object_id not in drawn:
            raise ValidationError({"object_id": f"{SampleKind(kind).label.lower()} {object_id} is not in this "
                                                f"audit's sample"})
        check = AuditSampleCheck.objects.select_for_update().filter(audit=audit, kind=kind,
                                                                    object_id=object_id).first()
        old = None if check is None else {f: getattr(check, f) for f in (*questions, "findings")}
        check = check or AuditSampleCheck(audit=audit, kind=kind, object_id=object_id)
        for field in questions:
            setattr(check, field, answers.get(field, ""))
        check.findings, check.checked_by, check.checked_at = findings, actor, timezone.now()
        check.save()
        audit_record(actor=actor, action=actions.FORCE_AUDIT_CHECK, obj=check, force=audit.force, old=old,
                     new={"audit": audit.pk, "kind": kind, "object_id": object_id,
                          **{f: getattr(check, f) for f in (*questions, "findings")}})
    return check


LINKED_MODELS = {
    LinkedKind.DEPLOYMENT: (Deployment, "force"),
    LinkedKind.ALERT: (Alert, "deployment__force"),
    LinkedKind.WATCHLIST_ENTRY: (WatchlistEntry, "watchlist__deployment__force"),
    LinkedKind.AUTHORISATION: (Authorisation, "deployment__force"),
    LinkedKind.POLICY_DOCUMENT: (PolicyDocument, "force"),
}


def linked_url(kind: str, object_id: str) -> str:
    """The page of what a finding is about (oversight.labels knows every kind's page)."""
    if not kind or not object_id:
        return ""
    if kind == LinkedKind.AUDIT_EVENT:
        return labels.object_url("oversight.auditevent", object_id)
    return labels.object_url(LINKED_MODELS[kind][0]._meta.label_lower, object_id)


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
        model, force_field = LINKED_MODELS[kind]
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
