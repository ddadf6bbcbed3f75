"""Read-only pages of the records an auditor follows: alert, watchlist entry, authorisation, assessment, review,
policy document, watchlist category, RFR search and OIFR check, each with its links along the chain and the
audit-log entries about it.

Auditors of the oversight body see every force's records; a force's own people see their force's; nobody else
sees them (another force's record is simply not there: 404; the public is asked to sign in). Each page reads
through the selector of its kind, so it shows exactly what that selector lets the user see.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from deployments import selectors as deployment_selectors
from deployments.rules import RULES
from matching import selectors as matching_selectors
from oversight import labels, selectors as ground_selectors
from oversight.audit import actions
from oversight.policy import DEFINITIONS
from oversight.policy_forms import label as setting_label, readable_value

# Each kind of record, its noun and its page; the audit log, the regulator report and the audits name and link
# records through these (oversight.labels), never through the API.
KINDS = [
    ("deployments.deployment", "Deployment", "deployment-detail"),
    ("deployments.authorisation", "Authorisation", "record-authorisation"),
    ("deployments.proportionalityassessment", "Proportionality assessment", "record-assessment"),
    ("deployments.postdeploymentreview", "Post-deployment review", "record-review"),
    ("deployments.policydocument", "Policy document", "record-policy-document"),
    ("deployments.watchlist", "Watchlist", ""),
    ("deployments.watchlistentry", "Watchlist entry", "record-watchlist-entry"),
    ("deployments.watchlistcategory", "Watchlist category", "record-watchlist-category"),
    ("deployments.algorithmversion", "Algorithm version", ""),
    ("deployments.asset", "Van or camera", ""),
    ("deployments.assetbooking", "Van booking", ""),
    ("matching.alert", "Alert", "record-alert"),
    ("matching.rfrsearch", "RFR search", "record-rfr-search"),
    ("matching.rfrcandidate", "RFR candidate", ""),
    ("matching.oifrcheck", "OIFR check", "record-oifr-check"),
    ("matching.legalhold", "Legal hold", ""),
    ("matching.device", "Camera device", ""),
    ("matching.videofeed", "Video feed", ""),
    ("matching.custodyimage", "Custody image", ""),
    ("matching.nationalsearchnotice", "National search of our custody images", "national-notice"),
    ("matching.facemodel", "Face model", ""),
    ("matching.vendorpackage", "Watchlist package for an external matcher", ""),
    ("reports.reportrun", "Regulator report", "report-run"),
    ("reports.forceaudit", "Audit of a force", "force-audit-detail"),
    ("reports.auditfinding", "Audit finding", ""),
    ("reports.auditrecommendation", "Audit recommendation", ""),
    ("reports.recommendationresponse", "Response to a recommendation", ""),
    ("reports.auditsamplecheck", "Audit checklist", ""),
]


def register_kinds() -> None:
    for object_type, noun, page in KINDS:
        labels.register(object_type, noun, page)


def _events(request, object_type: str, pk) -> list[dict]:
    events = (ground_selectors.audit_event_list(user=request.user)
              .filter(object_type=object_type, object_id=str(pk)).select_related("force").order_by("seq"))
    return [{"event": e, "what": actions.ACTIONS[e.action].description if e.action in actions.ACTIONS else e.action}
            for e in events]


def _get(queryset, pk: int, noun: str):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(f"No such {noun}")
    return found


def _page(request, template: str, obj, **context):
    return render(request, f"records/{template}.html", {
        "record": obj, "title": labels.label_of(obj), "caption": labels.kind_of(obj._meta.label_lower).noun, "events": _events(request, obj._meta.label_lower, obj.pk),
        **context})


def _bases(queryset) -> list[dict]:
    """Legal bases as a person reads them: the title, with the register's code beside it for the auditor."""
    result = []
    for basis in queryset:
        version = basis.versions.order_by("-version").first()
        result.append({"code": basis.code, "title": version.title if version else basis.code})
    return result


def _rules(results) -> list[dict]:
    """Rule outcomes in words; the rule's identifier stays in a tooltip for the auditor."""
    rows = []
    for r in results or []:
        rule = RULES.get(r.get("rule"))
        rows.append({"id": r.get("rule", ""), "title": rule.title if rule else r.get("title", ""),
                     "status": {"blocking": "Broken", "warning": "Warning"}.get(r.get("status") or r.get("severity"),
                                                                             "Met"),
                     "message": r.get("message", "")})
    return rows


def _settings(settings) -> list[dict]:
    """The policy versions a record was checked against, as a person reads them."""
    return [{"label": setting_label(s.key), "version": s.version, "value": readable_value(s.key, s.value)}
            for s in settings if s.key in DEFINITIONS]


@login_required
def alert(request, pk: int):
    a = _get(matching_selectors.alert_list(user=request.user).select_related(
        "deployment__force", "entry__category", "entry__watchlist", "adjudication__decided_by",
        "engagement__recorded_by", "face_model"), pk, "alert")
    deployment = a.deployment
    auth = (deployment.authorisations.filter(decision="authorised", starts_at__lte=a.captured_at,
                                             ends_at__gte=a.captured_at).order_by("-decided_at").first()
            or deployment.authorisations.filter(decision="authorised").order_by("-decided_at").first())
    assessment = deployment_selectors.assessment_of(deployment=deployment)
    return _page(request, "alert", a, deployment=deployment, entry=a.entry, category=a.entry.category,
                 bases=_bases(a.entry.legal_bases.all()), authorisation=auth, assessment=assessment,
                 adjudication=getattr(a, "adjudication", None), engagement=getattr(a, "engagement", None),
                 holds=a.holds.order_by("placed_at"))


@login_required
def watchlist_entry(request, pk: int):
    entry = _get(deployment_selectors.watchlist_entry_list(user=request.user).select_related(
        "watchlist__deployment__force", "category", "second_approver", "created_by"), pk, "watchlist entry")
    return _page(request, "watchlist_entry", entry, deployment=entry.watchlist.deployment,
                 bases=_bases(entry.legal_bases.all()),
                 alerts=matching_selectors.alert_list(user=request.user).filter(entry=entry).order_by("captured_at"))


@login_required
def authorisation(request, pk: int):
    auth = _get(deployment_selectors.authorisation_list(user=request.user).select_related(
        "deployment__force", "approver", "urgent_reviewed_by", "algorithm_version", "dpia", "apd", "eqia",
        "bias_test"), pk, "authorisation")
    documents = [d for d in (auth.dpia, auth.apd, auth.eqia, auth.bias_test) if d is not None]
    return _page(request, "authorisation", auth, deployment=auth.deployment, documents=documents,
                 rules=_rules(auth.rule_results), settings=_settings(auth.policy_settings.order_by("key")),
                 assessment=deployment_selectors.assessment_of(deployment=auth.deployment),
                 bases=_bases(auth.deployment.legal_bases.all()))


@login_required
def assessment(request, pk: int):
    a = _get(deployment_selectors.assessment_list(user=request.user).select_related(
        "deployment__force", "decided_by", "updated_by"), pk, "assessment")
    return _page(request, "assessment", a, deployment=a.deployment, aim=_bases([a.legitimate_aim])[0])


@login_required
def review(request, pk: int):
    r = _get(deployment_selectors.review_list(user=request.user).select_related("deployment__force", "reviewed_by"),
             pk, "review")
    return _page(request, "review", r, deployment=r.deployment, rules=_rules(r.rule_results),
                 settings=_settings(r.policy_settings.order_by("key")))


@login_required
def policy_document(request, pk: int):
    doc = _get(deployment_selectors.policy_document_list(user=request.user).select_related("created_by"), pk,
               "policy document")
    return _page(request, "policy_document", doc)


@login_required
def watchlist_category(request, pk: int):
    category = _get(deployment_selectors.watchlist_category_list(user=request.user), pk, "watchlist category")
    return _page(request, "watchlist_category", category)


@login_required
def rfr_search(request, pk: int):
    search = _get(matching_selectors.rfr_search_list(user=request.user).select_related(
        "force", "requested_by", "deployment", "face_model"), pk, "RFR search")
    return _page(request, "rfr_search", search,
                 candidates=search.candidates.select_related("custody_image", "reviewed_by").order_by("rank"))


@login_required
def oifr_check(request, pk: int):
    check = _get(matching_selectors.oifr_check_list(user=request.user).select_related(
        "force", "officer", "matched", "face_model"), pk, "OIFR check")
    return _page(request, "oifr_check", check)
