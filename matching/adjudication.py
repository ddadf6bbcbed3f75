"""Officers decide on every alert before any engagement is logged (rule 15)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from matching.audit_actions import ALERT_ADJUDICATE, ENGAGEMENT_RECORD, LEGAL_HOLD_PLACE, LEGAL_HOLD_RELEASE
from matching.models import Adjudication, Alert, AlertStatus, Decision, Engagement, LegalHold, Outcome
from oversight.audit.log import audit_record
from oversight.permissions import CHANGE, require


class IllegalStep(ValidationError):
    """A workflow step out of order; carries the rule it would break."""


def alert_adjudicate(*, actor, alert: Alert, decision: str, note: str = "") -> Adjudication:
    require(actor, CHANGE, alert.deployment.force, "decide on this alert")
    if decision not in Decision.values:
        raise ValidationError({"decision": f"unknown decision {decision!r}; one of {', '.join(Decision.values)}"})
    if decision == Decision.FALSE_ALERT and not note.strip():
        raise ValidationError({"note": "a false alert needs a note (e.g. 'wrong person: different age and build')"})
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != AlertStatus.NEW:
            raise IllegalStep({"decision": f"alert {alert.pk} was already decided (R15-human-adjudication)"})
        adjudication = Adjudication.objects.create(alert=alert, decision=decision, note=note.strip(),
                                                   decided_by=actor, decided_at=timezone.now())
        alert.status = AlertStatus.ADJUDICATED
        alert.save(update_fields=["status"])
        audit_record(actor=actor, action=ALERT_ADJUDICATE, obj=alert, force=alert.deployment.force,
                     old={"status": AlertStatus.NEW}, new={"decision": decision, "note": adjudication.note})
    return adjudication


def engagement_record(*, actor, alert: Alert, outcome: str, duration_minutes: int) -> Engagement:
    require(actor, CHANGE, alert.deployment.force, "record an engagement for this alert")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": f"unknown outcome {outcome!r}; one of {', '.join(Outcome.values)}"})
    if not isinstance(duration_minutes, int) or isinstance(duration_minutes, bool) or not 0 <= duration_minutes <= 24 * 60:
        raise ValidationError({"duration_minutes": "a whole number of minutes between 0 and 1440"})
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == AlertStatus.NEW:
            raise IllegalStep({"outcome": f"alert {alert.pk} has no decision yet: an officer decides before any "
                                          "engagement is logged (R15-human-adjudication)"})
        if alert.status == AlertStatus.ENGAGED:
            raise IllegalStep({"outcome": f"alert {alert.pk} already has an engagement recorded"})
        engagement = Engagement.objects.create(alert=alert, outcome=outcome, duration_minutes=duration_minutes,
                                               recorded_by=actor, recorded_at=timezone.now())
        alert.status = AlertStatus.ENGAGED
        alert.save(update_fields=["status"])
        audit_record(actor=actor, action=ENGAGEMENT_RECORD, obj=alert, force=alert.deployment.force,
                     new={"outcome": outcome, "duration_minutes": duration_minutes})
    return engagement


def legal_hold_place(*, actor, alert: Alert, reason: str, reference: str) -> LegalHold:
    require(actor, CHANGE, alert.deployment.force, "hold this alert's data")
    errors = {}
    if len(reason.strip()) < 10:
        errors["reason"] = "say why the data must be kept (at least 10 characters)"
    if not reference.strip():
        errors["reference"] = "give the case, complaint or disclosure reference"
    if errors:
        raise ValidationError(errors)
    if alert.media_deleted_at is not None:
        raise ValidationError({"alert": f"alert {alert.pk}'s image and template were already deleted"})
    with transaction.atomic():
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
            raise IllegalStep({"hold": f"this hold was already released on {hold.released_at:%d %b %Y at %H:%M}"})
        hold.released_at = timezone.now()
        hold.save(update_fields=["released_at"])
        audit_record(actor=actor, action=LEGAL_HOLD_RELEASE, obj=hold, force=hold.alert.deployment.force,
                     reason=reason)
    return hold
