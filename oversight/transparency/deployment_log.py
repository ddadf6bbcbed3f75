"""What the public deployment log says about each deployment beyond its counts: the hours the cameras actually ran
(from the recorded switch-on and switch-off, not the planned window), whether it was stopped or cancelled and
why, and its outcomes broken down as forces publish them (arrests by reason, other engagements, no action).

The reasons come from the audit log's record of the deployment's moves, said in words for the public; a reason an
officer wrote goes through the same redaction as every other published text.
"""
from __future__ import annotations

from datetime import datetime

from django.db.models import Count

from deployments.audit_actions import DEPLOYMENT_TRANSITION
from deployments.models import Deployment, Status
from matching.models import ArrestReason, Engagement, Outcome
from oversight.models import AuditEvent

# The moves that stop a running deployment or cancel one before it starts, in the public's words.
STOPPED_BECAUSE = {
    "urgent_lapse": "A senior officer did not confirm the urgent authorisation in time, so it stopped.",
    "urgent_refuse": "A senior officer reviewing the urgent authorisation did not confirm it, so it stopped.",
}
CANCELLED_BECAUSE = {
    "withdraw": "The force withdrew it before it started.",
    "urgent_lapse": "A senior officer did not confirm the urgent authorisation in time.",
    "urgent_refuse": "A senior officer reviewing the urgent authorisation did not confirm it.",
}
NOT_STARTED = "The cameras were not switched on during the authorised time."
# Deployments that no longer hold an authorisation to run: withdrawn to draft, refused, or stopped.
NOT_AUTHORISED_NOW = (Status.DRAFT, Status.SUBMITTED, Status.REFUSED, Status.STOPPED)

OUTCOME_KEYS = ["arrests_wanted_by_court", "arrests_suspected_offence", "arrests_breach_of_conditions",
                "arrests_reason_not_recorded", "other_engagements", "no_action"]
_ARREST_KEY = {ArrestReason.WANTED_BY_COURT: "arrests_wanted_by_court",
               ArrestReason.SUSPECTED_OFFENCE: "arrests_suspected_offence",
               ArrestReason.BREACH_OF_CONDITIONS: "arrests_breach_of_conditions",
               "": "arrests_reason_not_recorded"}
OUTCOME_LABELS = {
    "arrests_wanted_by_court": "Arrested: wanted by a court",
    "arrests_suspected_offence": "Arrested: suspected of an offence",
    "arrests_breach_of_conditions": "Arrested: breach of bail, court-order or licence conditions",
    "arrests_reason_not_recorded": "Arrested: reason not recorded",
    "other_engagements": "Other engagements (spoken to, conditions checked, safeguarded)",
    "no_action": "No action (not stopped)",
}


def _last_move(deployment: Deployment, actions: dict) -> AuditEvent | None:
    events = (AuditEvent.objects.filter(action=DEPLOYMENT_TRANSITION, object_type=deployment._meta.label_lower,
                                        object_id=str(deployment.pk)).order_by("-seq"))
    for event in events:
        if (event.new or {}).get("action") in actions:
            return event
    return None


def _stop(deployment: Deployment) -> str | None:
    """Why a deployment that ran was stopped early, or None if it was not (also once it has been reviewed)."""
    event = _last_move(deployment, STOPPED_BECAUSE)
    return STOPPED_BECAUSE[event.new["action"]] if event is not None else None


def _cancellation(deployment: Deployment, redact) -> str:
    event = _last_move(deployment, CANCELLED_BECAUSE)
    if event is None:
        return NOT_STARTED
    said = CANCELLED_BECAUSE[event.new["action"]]
    if event.new["action"] == "withdraw" and event.reason.strip():
        said = f"{said} The force's reason: {redact(event.reason.strip())}"
    return said


def _iso_minute(when: datetime | None, local) -> str | None:
    return local(when).replace(second=0, microsecond=0).isoformat() if when is not None else None


def run_record(deployment: Deployment, *, now: datetime, redact, local, over: bool) -> dict:
    """status, status_reason and the recorded hours the cameras ran (so far, while it runs)."""
    if deployment.activated_at is None:
        return {"status": "cancelled", "status_reason": _cancellation(deployment, redact),
                "ran_from": None, "ran_until": None, "hours_ran": 0.0}
    # Matching stops at the end of the window (rule 3) even when nobody pressed "end".
    until = deployment.ended_at or (deployment.ends_at if deployment.ends_at <= now else None)
    hours = max(((until or now) - deployment.activated_at).total_seconds(), 0) / 3600
    stopped = _stop(deployment)
    if stopped is not None:
        status, reason = "stopped", stopped
    elif until is not None or over:
        status, reason = "completed", ""
    else:
        status, reason = "in_progress", ""
    return {"status": status, "status_reason": reason, "ran_from": _iso_minute(deployment.activated_at, local),
            "ran_until": _iso_minute(until, local), "hours_ran": round(hours, 1)}


def outcomes(deployment: Deployment) -> dict:
    """Engagements after the deployment's alerts, as forces publish them."""
    counts = {key: 0 for key in OUTCOME_KEYS}
    rows = (Engagement.objects.filter(alert__deployment=deployment)
            .values("outcome", "arrest_reason").annotate(n=Count("id")))
    for row in rows:
        if row["outcome"] == Outcome.ARRESTED:
            counts[_ARREST_KEY.get(row["arrest_reason"], "arrests_reason_not_recorded")] += row["n"]
        elif row["outcome"] == Outcome.NOT_STOPPED:
            counts["no_action"] += row["n"]
        else:
            counts["other_engagements"] += row["n"]
    return counts


def outcome_totals(rows: list[dict]) -> list[dict]:
    """The period's outcomes by kind, in the order forces publish them, with their labels."""
    return [{"kind": key, "label": OUTCOME_LABELS[key], "count": sum(row[key] for row in rows)}
            for key in OUTCOME_KEYS]
