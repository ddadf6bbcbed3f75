"""Pages of the ground layer. Each view calls one selector or service and renders the result."""
from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from oversight import labels, policy, selectors, services
from oversight.audit import actions
from oversight.audit.keys import key_for
from oversight.audit.offline import verify_inclusion_document
from oversight.audit.proofs import ProofUnavailable, inclusion_document
from oversight.forms import PAGE_SIZE, AuditLogFilter, LegalBasisForm, show_errors
from oversight.models import LegalBasisKind, Role
from oversight.permissions import forces_visible_to
from oversight.policy_forms import PolicySettingForm, label as setting_label, readable_value, source as setting_source


# Where each role lands after signing in (URL names only: this layer imports nothing above it).
LANDING = {
    Role.OVERSIGHT_AUDITOR: "oversight-dashboard",  # the cross-force dashboard
    Role.OVERSIGHT_ADMIN: "oversight-dashboard",
    Role.FORCE_APPROVER: "deployment-list",  # what awaits authorisation comes first
    Role.FORCE_ADMIN: "deployment-list",
    Role.FORCE_OPERATOR: "live-list",  # live alerts of the running deployments
}


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links to: send them to the icon the pages name."""
    from django.templatetags.static import static

    return redirect(static("favicon.svg"), permanent=True)


def home(request):
    user = request.user
    if not user.is_authenticated:
        # The public front page leads to the transparency site (templates only: this layer imports nothing above).
        return render(request, "transparency/public_home.html", {"forces": selectors.force_list_public()})
    if user.role not in LANDING:
        # Signed in but not yet given a role (a new account, or a system administrator): nothing to land on.
        return render(request, "oversight/no_role.html")
    return redirect(LANDING[user.role])


@login_required
def force_list(request):
    return render(request, "oversight/force_list.html", {"forces": selectors.force_list(user=request.user)})


@login_required
def force_detail(request, code: str):
    force = selectors.force_list(user=request.user).filter(code=code).first()
    if force is None:
        raise Http404("No such force")
    people = selectors.user_list(user=request.user).filter(force=force).order_by("role", "last_name")
    return render(request, "oversight/force_detail.html", {"force": force, "people": people})


@login_required
def people_list(request):
    people = selectors.user_list(user=request.user).order_by("force__name", "role", "last_name")
    return render(request, "oversight/people_list.html", {"people": people})


@login_required
def person_detail(request, pk: int):
    person = selectors.user_list(user=request.user).filter(pk=pk).first()
    if person is None:
        raise Http404("No such person")
    return render(request, "oversight/person_detail.html", {"person": person})


RULE_PREFIX = re.compile(r"^\s*(R\d\d-[a-z0-9-]+)\s*:\s*")


def _reason(text: str) -> dict:
    """An event's reason as the page shows it: a rule id the service wrote in front goes to a tooltip."""
    text = labels.plain_words(text)
    match = RULE_PREFIX.match(text)
    if not match:
        return {"text": text, "rule": ""}
    rest = text[match.end():]
    return {"text": rest[:1].upper() + rest[1:], "rule": match.group(1)}


def _event_rows(events) -> list[dict]:
    return [{"event": e, "what": actions.ACTIONS[e.action].description if e.action in actions.ACTIONS else e.action,
             "about": labels.event_object_label(e), "about_url": labels.event_object_url(e),
             "reason": _reason(e.reason)} for e in events]


@login_required
def audit_log(request):
    """The log entries the user may see, newest first, narrowed by the filter and shown a page at a time."""
    form = AuditLogFilter(request.GET or None, forces=forces_visible_to(request.user).order_by("name"))
    events = selectors.audit_event_list(user=request.user).select_related("force").order_by("-seq")
    status = 200
    if form.is_bound and not form.is_valid():
        events, status = events.none(), 400
    elif form.is_bound:
        f = form.cleaned_data
        if f["force"]:
            events = events.filter(force=f["force"])
        if f["action"]:
            events = events.filter(action=f["action"])
        if f["actor"]:
            events = events.filter(actor_label__icontains=f["actor"].strip())
        if f["object_type"]:
            events = events.filter(object_type=f["object_type"])
        if f["object_id"]:
            events = events.filter(object_id=f["object_id"])
        zone = timezone.get_current_timezone()
        if f["date_from"]:
            events = events.filter(occurred_at__gte=dt.datetime.combine(f["date_from"], dt.time.min, zone))
        if f["date_to"]:
            events = events.filter(occurred_at__lt=dt.datetime.combine(f["date_to"] + dt.timedelta(days=1),
                                                                       dt.time.min, zone))
    paginator = Paginator(events, PAGE_SIZE)
    number = (form.cleaned_data.get("page") if form.is_bound and form.is_valid() else None) or 1
    page = paginator.get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    latest = selectors.checkpoint_list().order_by("-tree_size", "-id").first()
    return render(request, "oversight/audit_log.html", {
        "form": form, "page": page, "rows": _event_rows(page.object_list), "checkpoint": latest,
        "query": query.urlencode(), "page_size": PAGE_SIZE,
    }, status=status)


# Field names in events whose value is another record's number, named for what that record is.
EVENT_FIELD_NAMES = {"entry": "Watchlist entry", "device": "Camera device", "face_model": "Face model",
                     "audit": "Audit", "asset": "Van", "seq": "Log entry"}


def _readable(values) -> list[tuple[str, str]]:
    """An event's old or new values as pairs of words: no braces, quotes or None."""
    def words(value) -> str:
        if value is None or value == "":
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(words(v) for v in value) or "none"
        if isinstance(value, dict):
            return "; ".join(f"{k.replace('_', ' ')}: {words(v)}" for k, v in value.items()) or "none"
        return str(value)
    if not isinstance(values, dict):
        return [("value", words(values))] if values is not None else []
    return [(EVENT_FIELD_NAMES.get(name) or name.replace("_", " ").capitalize(), words(value))
            for name, value in values.items()]


def proof_verdict(seq: int) -> dict:
    """The event's inclusion proof against the newest signed checkpoint, checked with the pinned key only."""
    try:
        document = inclusion_document(seq)
    except ProofUnavailable as why:
        return {"state": "pending", "message": str(why)}
    checkpoint = document["checkpoint"]
    signed_at = dt.datetime.fromisoformat(checkpoint["signed_at"].replace("Z", "+00:00"))
    key, why = key_for(checkpoint["key_id"], signed_at)
    if key is None:
        return {"state": "failed", "message": why, "document": document}
    ok, message = verify_inclusion_document(document, key.public_key)
    return {"state": "verified" if ok else "failed", "message": message, "document": document,
            "signed_at": signed_at, "tree_size": document["tree_size"], "key_id": key.key_id,
            "path_length": len(document["proof"])}


@login_required
def audit_event(request, seq: int):
    event = selectors.audit_event_list(user=request.user).select_related("force").filter(seq=seq).first()
    if event is None:
        raise Http404("No such audit-log entry")
    row = _event_rows([event])[0]
    return render(request, "oversight/audit_event.html", {
        **row, "old": _readable(event.old), "new": _readable(event.new), "proof": proof_verdict(event.seq),
        "leaf_hash": bytes(event.leaf_hash).hex(),
    })


def _policy_rows():
    rows = []
    for key, definition in policy.DEFINITIONS.items():
        try:
            current = policy.policy_in_force(key)
        except policy.UnknownPolicySetting:
            current = None
        scheduled = selectors.policy_setting_list_scheduled(key=key)
        rows.append({"key": key, "label": setting_label(key), "definition": definition, "current": current,
                     "source": setting_source(key),
                     "value": readable_value(key, current.value) if current else "not set",
                     "scheduled": [{"setting": s, "value": readable_value(key, s.value)} for s in scheduled]})
    return rows


@login_required
def policy_list(request):
    return render(request, "oversight/policy_list.html", {
        "settings_in_force": _policy_rows(), "may_change": request.user.role == Role.OVERSIGHT_ADMIN,
    })


def _setting_key(key: str) -> str:
    if key not in policy.DEFINITIONS:
        raise Http404("No such policy setting")
    return key


@login_required
def policy_setting_change(request, key: str):
    """The oversight administrator makes a new version of one setting (now or from a later time)."""
    key = _setting_key(key)
    if request.user.role != Role.OVERSIGHT_ADMIN:
        raise PermissionDenied("only the oversight administrator changes policy settings")
    try:
        current = policy.policy_in_force(key)
    except policy.UnknownPolicySetting:
        current = None
    current_value = current.value if current else policy.definition(key).default
    form = PolicySettingForm(request.POST or None, key=key, current=current_value)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                setting = services.policy_setting_version_add(
                    actor=request.user, key=key, value=form.value(), reason=form.cleaned_data["reason"],
                    effective_from=form.cleaned_data["effective_from"])
            except ValidationError as error:
                # The service names the setting by its key; the page names it as a person reads it.
                show_errors(form, ValidationError({field: [m.replace(key, setting_label(key)) for m in msgs]
                                                   for field, msgs in error.message_dict.items()}))
            else:
                messages.success(request, f"{setting_label(key)}: version {setting.version}, "
                                          f"{readable_value(key, setting.value)}, in force from "
                                          f"{timezone.localtime(setting.effective_from):%-d %b %Y %H:%M}.")
                return redirect("policy-list")
    history = selectors.policy_setting_list(user=request.user).filter(key=key).order_by("-version")
    return render(request, "oversight/policy_setting_form.html", {
        "key": key, "label": setting_label(key), "definition": policy.definition(key), "form": form,
        "source": setting_source(key),
        "current": current, "current_value": readable_value(key, current_value),
        "history": [{"setting": s, "value": readable_value(key, s.value), "reason": labels.plain_words(s.reason)}
                    for s in history],
    }, status=status)


def legal_basis_list(request):
    return render(request, "oversight/legal_basis_list.html", {
        "bases": selectors.legal_basis_list(), "kinds": dict(LegalBasisKind.choices),
        "may_change": request.user.is_authenticated and request.user.role == Role.OVERSIGHT_ADMIN,
    })


@login_required
def legal_basis_change(request, code: str | None = None):
    """The oversight administrator adds a legal basis or rewords one; earlier wordings stay in the register."""
    if request.user.role != Role.OVERSIGHT_ADMIN:
        raise PermissionDenied("only the oversight administrator changes the legal-basis register")
    basis = selectors.legal_basis_list().filter(code=code).first() if code else None
    if code and basis is None:
        raise Http404("No such legal basis")
    latest = basis.versions.all()[0] if basis else None
    initial = {"code": code, "title": latest.title, "meaning": latest.meaning, "kind": latest.kind,
               "source": latest.source} if latest else {}
    form = LegalBasisForm(request.POST or None, initial=initial)
    if basis:
        form.fields["code"].disabled = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = services.legal_basis_version_add(
                    actor=request.user, code=code or data["code"].strip(), title=data["title"],
                    meaning=data["meaning"], kind=data["kind"], source=data["source"],
                    effective_from=data["effective_from"], reason=data["reason"])
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.success(request, f"{version.legal_basis.code} is now at version {version.version}.")
                return redirect(f"{reverse('legal-basis-list')}#{version.legal_basis.code}")
    return render(request, "oversight/legal_basis_form.html", {"form": form, "basis": basis, "latest": latest},
                  status=status)
