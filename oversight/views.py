"""Pages of the ground layer. Each view calls one selector or service and renders the result."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from oversight import policy, selectors
from oversight.models import Role


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


@login_required
def audit_log(request):
    events = selectors.audit_event_list(user=request.user).select_related("force").order_by("-seq")[:200]
    latest = selectors.checkpoint_list().order_by("-tree_size", "-id").first()
    return render(request, "oversight/audit_log.html", {"events": events, "checkpoint": latest})


@login_required
def policy_list(request):
    settings_in_force = []
    for key, definition in policy.DEFINITIONS.items():
        try:
            current = policy.policy_in_force(key)
        except policy.UnknownPolicySetting:
            current = None
        settings_in_force.append({"definition": definition, "current": current})
    return render(request, "oversight/policy_list.html", {"settings_in_force": settings_in_force})


def legal_basis_list(request):
    return render(request, "oversight/legal_basis_list.html", {"bases": selectors.legal_basis_list()})
