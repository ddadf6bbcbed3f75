"""Officers decide on every alert before any engagement is logged (rule 15)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from matching.audit_actions import ALERT_ADJUDICATE, ENGAGEMENT_RECORD, LEGAL_HOLD_PLACE, LEGAL_HOLD_RELEASE
from matching.models import (
    Adjudication, Alert, AlertStatus, ArrestReason, Decision, Engagement, LegalHold, Outcome,
)
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


# The reason for an arrest when the officer gives none: the reason the person was on the watchlist, for the
# published categories that are themselves a reason to arrest.
ARREST_REASON_OF_CATEGORY = {"wanted-by-court": ArrestReason.WANTED_BY_COURT,
                             "suspected-offence": ArrestReason.SUSPECTED_OFFENCE,
                             "conditions-breach": ArrestReason.BREACH_OF_CONDITIONS}


def _arrest_reason(alert: Alert, outcome: str, arrest_reason: str) -> str:
    arrest_reason = (arrest_reason or "").strip()
    if outcome != Outcome.ARRESTED:
        if arrest_reason:
            raise ValidationError({"arrest_reason": "give a reason for an arrest only when the person was arrested"})
        return ""
    if not arrest_reason:
        arrest_reason = ARREST_REASON_OF_CATEGORY.get(alert.entry.category.code, "")
    if not arrest_reason:
        raise ValidationError({"arrest_reason": f"say why the person was arrested: "
                                                f"{', '.join(label.lower() for label in ArrestReason.labels)}"})
    if arrest_reason not in ArrestReason.values:
        raise ValidationError({"arrest_reason": f"unknown reason for an arrest; choose one of: "
                                                f"{', '.join(label.lower() for label in ArrestReason.labels)}"})
    return arrest_reason


def engagement_record(*, actor, alert: Alert, outcome: str, duration_minutes: int,
                      arrest_reason: str = "") -> Engagement:
    """What happened after a decision; an arrest says why (by default, the category the person was listed under)."""
    require(actor, CHANGE, alert.deployment.force, "record an engagement for this alert")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": f"unknown outcome {outcome!r}; one of {', '.join(Outcome.values)}"})
    arrest_reason = _arrest_reason(alert, outcome, arrest_reason)
    if not isinstance(duration_minutes, int) or isinstance(duration_minutes, bool) or not 0 <= duration_minutes <= 24 * 60:
        raise ValidationError({"duration_minutes": "a whole number of minutes between 0 and 1440"})
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == AlertStatus.NEW:
            raise IllegalStep({"outcome": f"alert {alert.pk} has no decision yet: an officer decides before any "
                                          "engagement is logged (R15-human-adjudication)"})
        if alert.status == AlertStatus.ENGAGED:
            raise IllegalStep({"outcome": f"alert {alert.pk} already has an engagement recorded"})
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
