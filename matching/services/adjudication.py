"""Officers decide on every alert before any engagement is logged (rule 15); legal holds on alert data (rule 21)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from deployments.rules import RuleError, check
from matching import rules
from matching.audit_actions import ALERT_ADJUDICATE, ENGAGEMENT_RECORD, LEGAL_HOLD_PLACE, LEGAL_HOLD_RELEASE
from matching.models import Adjudication, Alert, AlertStatus, ArrestReason, Engagement, LegalHold, Outcome
from oversight.audit.log import audit_record
from oversight.permissions import CHANGE, require


class IllegalStep(RuleError):
    """A workflow step out of order, or a record already changed; carries the rule it would break."""


def _refuse_unless_met(stage: str, *, alert: Alert, **facts) -> None:
    result = check(stage, deployment=alert.deployment, record=alert, facts=facts)
    if result.blocking:
        raise IllegalStep(result.blocking)


def alert_adjudicate(*, actor, alert: Alert, decision: str, note: str = "") -> Adjudication:
    require(actor, CHANGE, alert.deployment.force, "decide on this alert")
    with transaction.atomic():
        alert = Alert.objects.select_for_update(of=("self",)).select_related("deployment__force").get(pk=alert.pk)
        _refuse_unless_met(rules.ADJUDICATION, alert=alert, action="decide", decision=decision, note=note)
        adjudication = Adjudication.objects.create(alert=alert, decision=decision, note=note.strip(),
                                                   decided_by=actor, decided_at=timezone.now())
        alert.status = AlertStatus.ADJUDICATED
        alert.save(update_fields=["status"])
        audit_record(actor=actor, action=ALERT_ADJUDICATE, obj=alert, force=alert.deployment.force,
                     old={"status": AlertStatus.NEW}, new={"decision": decision, "note": adjudication.note})
    return adjudication


# The reason for an arrest when the officer gives none: the reason the person was on the watchlist, for the
# published categories that are themselves a reason to arrest.
ARREST_REASON_OF_CATEGORY = {"wanted-by-court": ArrestReason.WANTED_BY_COURT,
                             "suspected-offence": ArrestReason.SUSPECTED_OFFENCE,
                             "conditions-breach": ArrestReason.BREACH_OF_CONDITIONS}


def _arrest_reason(alert: Alert, outcome: str, arrest_reason: str) -> str:
    """The reason given, or for an arrest without one, the category the person was listed under (the rulebook
    judges the result)."""
    arrest_reason = (arrest_reason or "").strip()
    if outcome == Outcome.ARRESTED and not arrest_reason:
        return ARREST_REASON_OF_CATEGORY.get(alert.entry.category.code, "")
    return arrest_reason


def engagement_record(*, actor, alert: Alert, outcome: str, duration_minutes: int,
                      arrest_reason: str = "") -> Engagement:
    """What happened after a decision; an arrest says why (by default, the category the person was listed under)."""
    require(actor, CHANGE, alert.deployment.force, "record an engagement for this alert")
    with transaction.atomic():
        alert = Alert.objects.select_for_update(of=("self",)).select_related("deployment__force").get(pk=alert.pk)
        arrest_reason = _arrest_reason(alert, outcome, arrest_reason)
        _refuse_unless_met(rules.ADJUDICATION, alert=alert, action="engage", outcome=outcome,
                           duration_minutes=duration_minutes, arrest_reason=arrest_reason)
        engagement = Engagement.objects.create(alert=alert, outcome=outcome, arrest_reason=arrest_reason,
                                               duration_minutes=duration_minutes, recorded_by=actor,
                                               recorded_at=timezone.now())
        alert.status = AlertStatus.ENGAGED
        alert.save(update_fields=["status"])
        audit_record(actor=actor, action=ENGAGEMENT_RECORD, obj=alert, force=alert.deployment.force,
                     new={"outcome": outcome, "duration_minutes": duration_minutes}
                     | ({"arrest_reason": arrest_reason} if arrest_reason else {}))
    return engagement


def legal_hold_place(*, actor, alert: Alert, reason: str, reference: str) -> LegalHold:
    require(actor, CHANGE, alert.deployment.force, "hold this alert's data")
    with transaction.atomic():
        alert = Alert.objects.select_for_update(of=("self",)).select_related("deployment__force").get(pk=alert.pk)
        _refuse_unless_met(rules.LEGAL_HOLD, alert=alert, reason=reason, reference=reference)
        hold = LegalHold.objects.create(alert=alert, reason=reason.strip(), reference=reference.strip(),
                                        placed_by=actor, placed_at=timezone.now())
        audit_record(actor=actor, action=LEGAL_HOLD_PLACE, obj=hold, force=alert.deployment.force,
                     new={"alert": alert.pk, "reason": hold.reason, "reference": hold.reference})
    return hold


def legal_hold_release(*, actor, hold: LegalHold, reason: str) -> LegalHold:
    require(actor, CHANGE, hold.alert.deployment.force, "release this hold")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().select_related("alert__deployment__force").get(pk=hold.pk)
        if hold.released_at is not None:
            raise ValidationError({"hold": f"this hold was already released on {hold.released_at:%d %b %Y at %H:%M}"})
        hold.released_at = timezone.now()
        hold.save(update_fields=["released_at"])
        audit_record(actor=actor, action=LEGAL_HOLD_RELEASE, obj=hold, force=hold.alert.deployment.force,
                     reason=reason)
    return hold
