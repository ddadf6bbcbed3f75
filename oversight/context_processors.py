"""Navigation by role: each persona sees the links to what they need."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from oversight.models import Role


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    links = [("Transparency", reverse("transparency-index")), ("Make a complaint", reverse("complaint-new")),
             ("Legal bases", reverse("legal-basis-list"))]
    if user is not None and user.is_authenticated:
        links = [("Home", reverse("home"))]
        if user.role in (Role.OVERSIGHT_ADMIN, Role.OVERSIGHT_AUDITOR):
            links.append(("Forces", reverse("force-list")))
            links += [("Dashboard", reverse("oversight-dashboard")), ("Audits", reverse("force-audit-list")),
                      ("Regulator report", reverse("report-list"))]
        elif user.force_id:
            links.append((user.force.name, reverse("force-detail", args=[user.force.code])))
            if user.role in (Role.FORCE_ADMIN, Role.FORCE_APPROVER):
                links.append(("Audits", reverse("force-audit-list")))  # audits of their force, to respond to
        links += [
            ("Deployments", reverse("deployment-list")),
            ("Live", reverse("live-list")),
            *([("RFR search", reverse("rfr-search")), ("OIFR check", reverse("oifr-check")),
               ("Custody images", reverse("custody-image-list"))] if user.force_id
              else [("RFR searches", reverse("rfr-search"))]),
            ("Complaints", reverse("complaint-list")),
            ("Retention", reverse("retention")),
            ("Vans", reverse("fleet")),
            ("People", reverse("people-list")),
            ("Audit log", reverse("audit-log")),
            ("Policy settings", reverse("policy-list")),
            ("Policy documents", reverse("policy-documents")),
            ("Legal bases", reverse("legal-basis-list")),
            ("Transparency", reverse("transparency-manage")),
        ]
    return {"nav_links": links}


def demonstration(request) -> dict:
    """`demo_data`: the site runs on the demonstration's made-up records (APP_DEMO_DATA), and every page says so."""
    return {"demo_data": settings.DEMO_DATA}
