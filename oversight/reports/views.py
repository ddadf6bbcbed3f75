"""Pages of the oversight workspace. Each view parses a form, calls one service or selector, and renders.

The dashboard and reports are the oversight body's (403 for force staff, sign-in for the public); an audit
of another force is simply not there for force staff (404).
"""
from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from deployments.forms import show_errors
from oversight.reports import audits, runs, selectors
from oversight.reports.forms import (
    AuditOpenForm, FindingForm, RecommendationForm, ReportRequestForm, ResponseForm, SampleCheckForm, SampleForm,
)
from oversight.reports.models import CHECKLIST, AuditStatus, RunStatus, SampleKind

NO_STORE = "private, no-store"


def _oversight(request) -> None:
    if not selectors.is_oversight(request.user):
        raise PermissionDenied("only the oversight body's auditors and administrators may see this")


# --- Dashboard --------------------------------------------------------------------------------------------
@login_required
def dashboard(request):
    _oversight(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= 2100:
        year = timezone.localdate().year
    return render(request, "reports/dashboard.html", {"dash": selectors.oversight_dashboard(year=year)})


# --- Regulator reports ------------------------------------------------------------------------------------
@login_required
def report_list(request):
    _oversight(request)
    form = ReportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = runs.report_run_start(actor=request.user, forces=data["forces"], all_forces=data["all_forces"],
                                        period_start=data["period_start"], period_end=data["period_end"],
                                        site_url=request.build_absolute_uri("/"))
        except ValidationError as error:
            show_errors(form, error)
        else:
            return redirect("report-run", pk=run.pk)
    recent = selectors.report_run_list(user=request.user)[:30]
    return render(request, "reports/report_list.html", {"form": form, "runs": recent},
                  status=400 if request.method == "POST" else 200)


def _run(request, pk: int):
    _oversight(request)
    return get_object_or_404(selectors.report_run_list(user=request.user), pk=pk)


@login_required
def report_run(request, pk: int):
    run = _run(request, pk)
    return render(request, "reports/report_run.html", {"run": run, "state": runs.report_run_state(run)})


@login_required
@never_cache
def report_run_status(request, pk: int):
    return JsonResponse(runs.report_run_state(_run(request, pk)))


def _done(request, pk: int):
    run = _run(request, pk)
    if run.status != RunStatus.DONE:
        raise Http404("the report is not finished")
    return run


# The report is a standalone document with its styles inline (kept byte for byte once made).
@csp_update({"style-src": ["'unsafe-inline'"]})
@login_required
def report_run_html(request, pk: int):
    run = _done(request, pk)
    with run.html_file.open("rb") as fh:
        response = HttpResponse(fh.read(), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = NO_STORE
    return response


@login_required
def report_run_pdf(request, pk: int):
    run = _done(request, pk)
    response = FileResponse(run.pdf_file.open("rb"), content_type="application/pdf",
                            filename=f"regulator-report-{run.pk}.pdf")
    response["Cache-Control"] = NO_STORE
    return response


@login_required
def report_run_proofs(request, pk: int):
    run = _done(request, pk)
    response = FileResponse(run.proofs_file.open("rb"), content_type="application/json",
                            filename=f"regulator-report-{run.pk}-proofs.json", as_attachment=True)
    response["Cache-Control"] = NO_STORE
    return response


# --- Audits of forces -------------------------------------------------------------------------------------
@login_required
def audit_list(request):
    return render(request, "reports/audit_list.html", {
        "audits": selectors.force_audit_list(user=request.user).prefetch_related("findings", "recommendations"),
        "may_open": selectors.is_oversight(request.user),
    })


@login_required
def audit_open(request):
    _oversight(request)
    form = AuditOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            audit = audits.force_audit_open(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            return redirect("force-audit-detail", pk=audit.pk)
    return render(request, "reports/audit_open.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _audit(request, pk: int):
    return get_object_or_404(selectors.force_audit_list(user=request.user), pk=pk)


def _audit_page(request, audit, *, status: int = 200, **forms):
    oversight = selectors.is_oversight(request.user)
    recommendations = list(audit.recommendations.select_related("finding").prefetch_related(
        "responses__responded_by"))
    for rec in recommendations:  # one form per recommendation, prefixed so that their fields' ids differ
        bound = forms.get("response_form") if forms.get("response_for") == rec.pk else None
        rec.response_form = bound or ResponseForm(prefix=f"r{rec.pk}")
    bound_check = forms.get("check_form")
    items = audits.sample_items(audit)
    for item in items:  # one checklist form per sampled record, prefixed so that their fields' ids differ
        prefix = f"{item['kind'].value}-{item['object_id']}"
        if bound_check is not None and bound_check.prefix == prefix:
            item["form"] = bound_check
        else:
            check = item["check"]
            initial = {"kind": item["kind"].value, "object_id": item["object_id"]}
            if check is not None:
                initial |= {name: getattr(check, name) for name, _ in CHECKLIST} | {"findings": check.findings}
            item["form"] = SampleCheckForm(prefix=prefix, initial=initial)
    context = {
        "audit": audit, "may_audit": oversight and audit.status == AuditStatus.OPEN,
        "sample_items": items, "sample_method": audits.SAMPLE_METHOD, "sample_populations": audits.POPULATIONS,
        "checklist": CHECKLIST,
        "sample_counts": [{"label": kind.label, "drawn": len((audit.sample or {}).get(kind.value, {}).get("drawn", [])),
                           "of": len((audit.sample or {}).get(kind.value, {}).get("population", []))}
                          for kind in SampleKind if (audit.sample or {}).get(kind.value)],
        "may_respond": audits.may_respond(request.user, audit),
        "findings": [{"finding": f, "url": audits.linked_url(f.linked_kind, f.linked_id)}
                     for f in audit.findings.select_related("created_by")],
        "recommendations": recommendations,
        "sample_form": forms.get("sample_form") or SampleForm(),
        "finding_form": forms.get("finding_form") or FindingForm(),
        "recommendation_form": forms.get("recommendation_form") or RecommendationForm(),
        "today": timezone.localdate(),
    }
    return render(request, "reports/audit_detail.html", context, status=status)


@login_required
def audit_detail(request, pk: int):
    return _audit_page(request, _audit(request, pk))


@login_required
@require_POST
def audit_sample(request, pk: int):
    audit = _audit(request, pk)
    form = SampleForm(request.POST)
    if form.is_valid():
        try:
            sizes = {name: value or 0 for name, value in form.cleaned_data.items() if name != "seed"}
            audits.force_audit_sample(actor=request.user, audit=audit, seed=form.cleaned_data["seed"], **sizes)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Sample drawn and recorded with its seed.")
            return redirect("force-audit-detail", pk=audit.pk)
    return _audit_page(request, audit, status=400, sample_form=form)


@login_required
@require_POST
def audit_check(request, pk: int):
    """Save the checklist of one sampled record (the prefix names which)."""
    audit = _audit(request, pk)
    prefix = request.POST.get("prefix", "")
    form = SampleCheckForm(request.POST, prefix=prefix)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            audits.audit_sample_check(actor=request.user, audit=audit, kind=data.pop("kind"),
                                      object_id=data.pop("object_id"), findings=data.pop("findings"), **data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Checklist saved.")
            return redirect(reverse("force-audit-detail", args=[audit.pk]) + f"#check-{prefix}")
    return _audit_page(request, audit, status=400, check_form=form)


@login_required
@require_POST
def audit_finding(request, pk: int):
    audit = _audit(request, pk)
    form = FindingForm(request.POST)
    if form.is_valid():
        try:
            audits.audit_finding_add(actor=request.user, audit=audit, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Finding recorded.")
            return redirect("force-audit-detail", pk=audit.pk)
    return _audit_page(request, audit, status=400, finding_form=form)


@login_required
@require_POST
def audit_recommendation(request, pk: int):
    audit = _audit(request, pk)
    form = RecommendationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        finding = audit.findings.filter(pk=data["finding"]).first() if data["finding"] else None
        try:
            if data["finding"] and finding is None:
                raise ValidationError({"finding": f"this audit has no finding {data['finding']}"})
            audits.audit_recommendation_add(actor=request.user, audit=audit, text=data["text"],
                                            deadline=data["deadline"], finding=finding)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Recommendation recorded; the force can now respond to it.")
            return redirect("force-audit-detail", pk=audit.pk)
    return _audit_page(request, audit, status=400, recommendation_form=form)


@login_required
@require_POST
def recommendation_respond(request, pk: int, recommendation_pk: int):
    audit = _audit(request, pk)
    recommendation = get_object_or_404(audit.recommendations, pk=recommendation_pk)
    form = ResponseForm(request.POST, prefix=f"r{recommendation.pk}")
    if form.is_valid():
        try:
            audits.recommendation_respond(actor=request.user, recommendation=recommendation, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Your response is recorded.")
            return redirect("force-audit-detail", pk=audit.pk)
    return _audit_page(request, audit, status=400, response_form=form, response_for=recommendation.pk)


@login_required
@require_POST
def audit_close(request, pk: int):
    audit = _audit(request, pk)
    try:
        audits.force_audit_close(actor=request.user, audit=audit, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, "; ".join(m for ms in error.message_dict.values() for m in ms))
    return redirect("force-audit-detail", pk=audit.pk)
