"""Writes of complaints: filing (by anyone, without an account), triage by the oversight body, the force's
answer, and the deletion of the complainant's personal data when its time has come.

Each runs in one transaction with one audit event. Audit events name what was complained of and who acted,
never the complainant's contact details or words: the log is kept for ever, those only for the policy period.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from deployments.complaints import audit_actions as actions
from deployments.complaints.models import (
    Complaint, ComplaintOutcome, ComplaintStatus, ComplaintSubject,
)
from deployments.lifecycle import deployment_is_over
from deployments.models import Deployment, Kind, Status
from oversight import bounds
from oversight.audit.log import audit_record
from oversight.models import OVERSIGHT_ROLES, Force, Role
from oversight.permissions import VIEW, can, require_role
from oversight.policy import policy_value

DESCRIPTION_MAX_CHARS = bounds.COMPLAINT
DESCRIPTION_MIN_CHARS = 20
ANSWER_MIN_CHARS = 20
ANSWERING_ROLES = (Role.FORCE_ADMIN, Role.FORCE_APPROVER)
# Deployments the public may name: those that were authorised and could have been seen, never a covert one.
NAMEABLE_STATUSES = (Status.AUTHORISED, Status.URGENT_AUTHORISED, Status.ACTIVE, Status.ENDED, Status.STOPPED,
                     Status.REVIEWED)
# Crockford's base 32 without look-alike letters; four groups of four: 80 bits.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PATTERN = re.compile(r"^FRC(?:-[0-9A-HJKMNP-TV-Z]{4}){4}$")
PUBLIC_FIELDS = ["subject", "force_id", "deployment_id", "happened_on", "status", "outcome"]


def new_reference() -> str:
    groups = ["".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4)]
    return "FRC-" + "-".join(groups)


def normalise_reference(text: str) -> str:
    """What someone typed, as stored: upper case, no spaces, look-alikes read as Crockford reads them."""
    cleaned = re.sub(r"\s+", "", text or "").upper().translate(str.maketrans("OIL", "011"))
    cleaned = cleaned.replace("FRC-", "FRC").replace("-", "")
    if cleaned.startswith("FRC") and len(cleaned) == 19:
        body = cleaned[3:]
        cleaned = "FRC-" + "-".join(body[i:i + 4] for i in range(0, 16, 4))
    return cleaned


def sender_key(address: str) -> str:
    """A keyed hash of the filing address: enough to count one address's filings, not to find who it was."""
    return hmac.new(settings.SECRET_KEY.encode(), (address or "").encode(), hashlib.sha256).hexdigest()


def _due(start: datetime, key: str) -> datetime:
    return start + timedelta(days=policy_value(key, at=start))


def _deployment_named(reference: str, force: Force) -> Deployment:
    match = re.fullmatch(r"(?:LFR-?)?(\d{1,12})", (reference or "").strip().upper())
    found = None
    if match:
        found = (Deployment.objects.filter(pk=int(match.group(1)), force=force, kind=Kind.LFR, covert=False,
                                           status__in=NAMEABLE_STATUSES).first())
        # One under a critical-threat exemption is kept from the public log until it is over, and named only then.
        if found is not None and found.critical_threat_exemption and not deployment_is_over(found, timezone.now()):
            found = None
    if found is None:
        # The same words whether it does not exist, belongs to another force or was never published.
        raise ValidationError({"deployment": f"{force.name} has published no deployment with the reference "
                                             f"{reference.strip()[:20]}; leave it empty if you do not know it"})
    return found


def complaint_file(*, force: Force, subject: str, description: str, deployment_reference: str = "",
                   happened_on: date | None = None, place: str = "", contact_name: str = "",
                   contact_email: str = "", contact_phone: str = "", address: str = "",
                   now: datetime | None = None) -> Complaint:
    """File a complaint from a member of the public. Refuses, writing nothing, what it cannot accept."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if subject not in ComplaintSubject.values:
        errors["subject"] = "choose what the complaint is about"
    description = (description or "").strip()
    if len(description) < DESCRIPTION_MIN_CHARS:
        errors["description"] = f"say what happened (at least {DESCRIPTION_MIN_CHARS} characters)"
    errors |= bounds.problems(Complaint, description=description, happened_on=happened_on,
                              place=(place or "").strip(), contact_name=(contact_name or "").strip())
    contact_email = (contact_email or "").strip()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = "this is not an email address"
    contact_phone = (contact_phone or "").strip()
    if contact_phone and not re.fullmatch(r"\+?[0-9 ()-]{6,30}", contact_phone):
        errors["contact_phone"] = "use digits, spaces and + only"
    deployment = None
    if deployment_reference.strip() and "subject" not in errors:
        if subject != ComplaintSubject.DEPLOYMENT:
            errors["deployment"] = "a deployment reference belongs only with a complaint about a deployment"
        else:
            try:
                deployment = _deployment_named(deployment_reference, force)
            except ValidationError as error:
                errors |= {k: v[0] for k, v in error.message_dict.items()}
    if deployment is not None and happened_on is not None and happened_on < timezone.localdate(deployment.starts_at):
        errors["happened_on"] = (f"the date it happened cannot be before {deployment.starts_at:%-d %b %Y}, when "
                                 f"the deployment you name began")
    if errors:
        raise ValidationError(errors)
    key = sender_key(address)
    with transaction.atomic():
        # One address, one lock: two posts at once from the same address cannot both pass the count.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["complaint-filing:" + key])
        limit = policy_value("complaints.filings_per_address_hour", at=now)
        recent = Complaint.objects.filter(sender_key=key, received_at__gt=now - timedelta(hours=1)).count()
        if recent >= limit:
            raise PermissionDenied("too many complaints have been sent from your connection in the last hour; "
                                   "please try again later")
        complaint = Complaint.objects.create(
            reference=new_reference(), force=force, subject=subject, deployment=deployment, happened_on=happened_on,
            place=(place or "").strip(), description=description, contact_name=(contact_name or "").strip(),
            contact_email=contact_email, contact_phone=contact_phone, sender_key=key, received_at=now,
            triage_due_at=_due(now, "complaints.triage_days"))
        audit_record(actor=None, action=actions.COMPLAINT_FILE, obj=complaint, force=force,
                     new={"subject": subject, "deployment_id": complaint.deployment_id,
                          "happened_on": happened_on, "triage_due_at": complaint.triage_due_at,
                          "contact_given": bool(complaint.contact_name or contact_email or contact_phone)},
                     reason="filed on the public site")
    return complaint


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _require_status(complaint: Complaint, *statuses: str, doing: str) -> None:
    if complaint.status not in statuses:
        raise ValidationError({"status": f"this complaint is {complaint.get_status_display().lower()}; "
                                         f"it cannot be {doing} now"})


def complaint_assign(*, actor, complaint: Complaint, note: str, force: Force | None = None,
                     now: datetime | None = None) -> Complaint:
    """The oversight body passes a complaint to the force that must answer it (by default the one named)."""
    require_role(actor, OVERSIGHT_ROLES, "pass a complaint to a force")
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "say what the force should look at"})
    with transaction.atomic():
        complaint = _locked(complaint)
        _require_status(complaint, ComplaintStatus.RECEIVED, doing="passed to a force")
        if force is not None and complaint.deployment_id and force.pk != complaint.deployment.force_id:
            raise ValidationError({"force": f"this complaint is about a deployment of "
                                            f"{complaint.deployment.force.name}: only that force can answer for it"})
        old = {"status": complaint.status, "force_id": complaint.force_id}
        complaint.force = force or complaint.force
        complaint.status = ComplaintStatus.ASSIGNED
        complaint.triage_note, complaint.triaged_at, complaint.triaged_by = note, now, actor
        complaint.response_due_at = _due(now, "complaints.response_days")
        complaint.save()
        audit_record(actor=actor, action=actions.COMPLAINT_ASSIGN, obj=complaint, old=old,
                     new={"status": complaint.status, "force_id": complaint.force_id,
                          "response_due_at": complaint.response_due_at}, reason=note)
    return complaint


def complaint_close(*, actor, complaint: Complaint, note: str, now: datetime | None = None) -> Complaint:
    """The oversight body closes a complaint that is not for a force to answer, saying why."""
    require_role(actor, OVERSIGHT_ROLES, "close a complaint")
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) < ANSWER_MIN_CHARS:
        raise ValidationError({"note": f"say why it is closed (at least {ANSWER_MIN_CHARS} characters): the "
                                       f"complainant reads it"})
    with transaction.atomic():
        complaint = _locked(complaint)
        _require_status(complaint, ComplaintStatus.RECEIVED, doing="closed")
        old = {"status": complaint.status}
        complaint.status, complaint.outcome = ComplaintStatus.CLOSED, ComplaintOutcome.NOT_FOR_A_FORCE
        complaint.triage_note, complaint.triaged_at, complaint.triaged_by = note, now, actor
        complaint.response, complaint.closed_at = note, now
        complaint.save()
        audit_record(actor=actor, action=actions.COMPLAINT_CLOSE, obj=complaint, old=old,
                     new={"status": complaint.status, "outcome": complaint.outcome}, reason=note)
    return complaint


def complaint_respond(*, actor, complaint: Complaint, response: str, outcome: str,
                      now: datetime | None = None) -> Complaint:
    """The force answers a complaint passed to it: what it found and whether it upholds it."""
    if not can(actor, VIEW, complaint.force) or getattr(actor, "force_id", None) != complaint.force_id:
        raise PermissionDenied("only the force the complaint was passed to may answer it")
    require_role(actor, ANSWERING_ROLES, "answer a complaint")
    now = now or timezone.now()
    errors = {}
    if outcome not in (ComplaintOutcome.UPHELD, ComplaintOutcome.PARTLY_UPHELD, ComplaintOutcome.NOT_UPHELD):
        errors["outcome"] = "choose upheld, partly upheld or not upheld"
    response = (response or "").strip()
    if len(response) < ANSWER_MIN_CHARS:
        errors["response"] = f"write the answer the complainant will read (at least {ANSWER_MIN_CHARS} characters)"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        complaint = _locked(complaint)
        _require_status(complaint, ComplaintStatus.ASSIGNED, doing="answered")
        old = {"status": complaint.status}
        complaint.status, complaint.outcome = ComplaintStatus.ANSWERED, outcome
        complaint.response, complaint.responded_at, complaint.responded_by = response, now, actor
        complaint.closed_at = now
        complaint.save()
        audit_record(actor=actor, action=actions.COMPLAINT_RESPOND, obj=complaint, old=old,
                     new={"status": complaint.status, "outcome": outcome, "late": now > complaint.response_due_at})
    return complaint


def personal_data_due_at(complaint: Complaint) -> datetime | None:
    """When the complainant's personal data falls due for deletion: the policy period after closing."""
    if complaint.closed_at is None:
        return None
    return _due(complaint.closed_at, "complaints.personal_data_days")


def complaint_personal_data_erase(complaint: Complaint, *, now: datetime) -> None:
    """Blank the complainant's contact details, words and address key. The caller records the deletion."""
    Complaint.objects.filter(pk=complaint.pk).update(
        description="", contact_name="", contact_email="", contact_phone="", sender_key="", place="",
        personal_data_deleted_at=now)
