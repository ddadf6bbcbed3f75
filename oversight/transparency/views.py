"""Pages of the public transparency site and of report preparation and publication.

Public pages need no login and show only published material. A published report's page and downloads are
the stored bytes of that version; a draft is rendered from its stored figures for the people who may see it.
"""
from __future__ import annotations

import json
from datetime import timedelta

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.http import require_POST

from oversight.transparency import figures, render as rendering, selectors, services
from oversight.transparency.forms import PrepareForm, PublishForm, WithdrawForm, show_errors
from oversight.transparency.models import CONTENT_TYPES, ReportFormat, ReportStatus

DOWNLOAD_NAMES = {ReportFormat.HTML: "report.html", ReportFormat.CSV: "deployment-log.csv",
                  ReportFormat.JSON: "report.json", ReportFormat.PDF: "report.pdf"}


def _force(code: str):
    force = selectors.force_public(code=code)
    if force is None:
        raise Http404("No such force")
    return force


# --- Public site ---------------------------------------------------------------------------------------------
def index(request):
    redact = figures.Redactor()
    forces = list(selectors.force_list_public())
    latest = {f.pk: selectors.report_latest_published(force=f) for f in forces}
    return render(request, "transparency/index.html", {
        "uses": figures.uses_explained(timezone.now()),
        "complaints": figures.COMPLAINTS,
        "forces": [{"force": f, "latest": latest[f.pk]} for f in forces],
        "notices": figures.advance_notices(redact=redact)[:10],
    })


def notices(request):
    redact = figures.Redactor()
    since = timezone.now() - timedelta(days=90)
    return render(request, "transparency/notices.html", {
        "notices": figures.advance_notices(redact=redact),
        "withheld": figures.withheld_notices(since=since, redact=redact),
    })


def force_page(request, code: str):
    force = _force(code)
    return render(request, "transparency/force.html", {
        "force": force,
        "profile": figures.force_profile(force=force),
        "notices": figures.advance_notices(force=force),
        "reports": selectors.report_list_public(force=force),
        "atrs_kinds": [(kind, figures.USES[kind]["name"]) for kind in figures.ATRS_KINDS],
    })


def document_download(request, code: str, pk: int):
    found = figures.published_document(force=_force(code), pk=pk)
    if found is None:
        raise Http404("No such published document")
    file, content_type, name = found
    return FileResponse(file.open("rb"), content_type=content_type, as_attachment=True, filename=name)


def _atrs(request, code: str, kind: str) -> dict:
    force = _force(code)
    if kind not in figures.ATRS_KINDS:
        raise Http404("No such capability")
    latest = selectors.report_latest_published(force=force)
    url = request.build_absolute_uri(reverse("transparency-force", args=[force.code]))
    return figures.atrs_record(force=force, kind=kind, published=latest.snapshot if latest else None,
                               report_url=url)


def atrs_page(request, code: str, kind: str):
    record = _atrs(request, code, kind)
    return render(request, "transparency/atrs.html", {"record": record, "force": _force(code), "kind": kind})


def atrs_json(request, code: str, kind: str):
    return JsonResponse(_atrs(request, code, kind), json_dumps_params={"indent": 2, "ensure_ascii": False})


def audit_checkpoints(request):
    """The audit log's signed checkpoints, newest first: what anyone may save and later check the log against."""
    from django.core.paginator import Paginator

    from oversight.audit.keys import trusted_keys

    page = Paginator(selectors.audit_checkpoints_public(), 50).get_page(request.GET.get("page"))
    return render(request, "transparency/audit_checkpoints.html", {
        "page": page, "keys": trusted_keys(),
    })


def audit_checkpoints_json(request):
    """Every signed checkpoint, oldest first, with the keys that sign them (`?after=SIZE` for newer ones only)."""
    from oversight.audit.checkpoints import checkpoint_document
    from oversight.audit.keys import pinned_keys_document

    after = request.GET.get("after", "")
    if after and not after.isdigit():
        return JsonResponse({"after": "must be a whole number: the tree size after which to list checkpoints"},
                            status=400)
    checkpoints = selectors.audit_checkpoints_public().order_by("tree_size", "id")
    if after:
        checkpoints = checkpoints.filter(tree_size__gt=int(after))
    doc = pinned_keys_document() | {"checkpoints": [checkpoint_document(cp) for cp in checkpoints.iterator()]}
    return JsonResponse(doc, json_dumps_params={"indent": 1})


def report_list(request):
    return render(request, "transparency/report_list.html", {"reports": selectors.report_list_public()})


def open_data(request):
    row = rendering.deployment_log_schema()
    columns = [{"name": name, "type": spec["type"] if isinstance(spec["type"], str) else " or ".join(spec["type"]),
                "description": spec["description"], "values": spec.get("enum")}
               for name, spec in row["properties"].items()]
    return render(request, "transparency/open_data.html", {
        "columns": columns, "report_schema_url": rendering.REPORT_SCHEMA_URL,
        "deployment_log_schema_url": rendering.DEPLOYMENT_LOG_SCHEMA_URL})


def schema(request, name: str):
    documents = {"transparency-report": rendering.report_schema, "deployment-log": rendering.deployment_log_schema}
    if name not in documents:
        raise Http404("No such schema")
    response = HttpResponse(json.dumps(documents[name](), indent=2, ensure_ascii=False) + "\n",
                            content_type="application/schema+json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


PUBLISHED_MAX_AGE = 24 * 3600


def _visible_report(request, pk: int):
    report = selectors.report_for(user=request.user, pk=pk)
    if report is None:
        raise Http404("No such report")
    return report


def _draft_document(report) -> dict:
    return rendering.report_document(report=report, snapshot=report.snapshot, status=ReportStatus.DRAFT)


def _content(report, fmt: str) -> bytes:
    """A published version's stored bytes; a draft's rendering of its stored figures (for its force only)."""
    if report.status == ReportStatus.WITHDRAWN:
        raise Http404("This version was withdrawn")  # listed with its reason; the content is not served
    if selectors.report_is_served(report):
        stored = selectors.report_file(report=report, format=fmt)
        if stored is None:
            raise Http404("No such file")
        return bytes(stored.content)
    document = _draft_document(report)
    if fmt == ReportFormat.HTML:
        return rendering.render_html(document, draft=True).encode()
    if fmt == ReportFormat.CSV:
        return rendering.render_csv(document)
    if fmt == ReportFormat.JSON:
        return rendering.render_json(document)
    return rendering.render_pdf(rendering.render_html(document, draft=True))


# The report is a standalone document with its styles inline (kept byte for byte once made).
@csp_update({"style-src": ["'unsafe-inline'"]})
def report_page(request, pk: int):
    report = _visible_report(request, pk)
    if report.status == ReportStatus.WITHDRAWN:
        return render(request, "transparency/withdrawn.html", {"report": report}, status=410)
    response = HttpResponse(_content(report, ReportFormat.HTML), content_type=CONTENT_TYPES[ReportFormat.HTML])
    if report.is_draft:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    else:
        _published_file(response, report)
    return response


def report_download(request, pk: int, fmt: str):
    report = _visible_report(request, pk)
    if report.status == ReportStatus.WITHDRAWN:
        raise Http404("This version was withdrawn")
    response = HttpResponse(_content(report, fmt), content_type=CONTENT_TYPES[fmt])
    prefix = f"{report.force.code}-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}-v{report.version}"
    draft = "-draft" if report.is_draft else ""
    response["Content-Disposition"] = f'attachment; filename="{prefix}{draft}-{DOWNLOAD_NAMES[fmt]}"'
    if report.is_draft:
        response["Cache-Control"] = "private, no-store"
    else:
        _published_file(response, report)
    return response


def _published_file(response, report) -> None:
    """A published version's bytes never change (a correction is a new version): caches keep them, and a
    withdrawal is seen within a day."""
    response["Cache-Control"] = f"public, max-age={PUBLISHED_MAX_AGE}, immutable"
    if report.published_at:
        response["Last-Modified"] = http_date(report.published_at.timestamp())


# --- Preparation and publication (signed-in) ------------------------------------------------------------------
@login_required
def manage(request):
    user = request.user
    may_prepare = user.force_id is not None and selectors.may_prepare(user, user.force)
    start, end = services.default_period(timezone.localdate())
    form = PrepareForm(request.POST or None, initial={"period_start": start, "period_end": end})
    if request.method == "POST":
        if not may_prepare:
            raise PermissionDenied("only a force administrator or approver may prepare a transparency report")
        if form.is_valid():
            try:
                report = services.transparency_report_prepare(actor=user, force=user.force, **form.cleaned_data)
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.success(request, f"Draft version {report.version} prepared. Check it, then ask the "
                                          "oversight body to publish it.")
                return redirect("transparency-manage-report", pk=report.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "transparency/manage.html", {
        "reports": selectors.report_list(user=user), "form": form, "may_prepare": may_prepare}, status=status)


def _manage_context(request, report, **extra) -> dict:
    user = request.user
    return {
        "report": report,
        "versions": selectors.report_versions(report=report, user=user),
        "may_prepare": selectors.may_prepare(user, report.force),
        "may_publish": selectors.may_publish(user, report.force),
        "may_withdraw": selectors.may_withdraw(user),
        "publish_form": PublishForm(initial={"snapshot_sha256": report.snapshot_sha256}),
        "withdraw_form": WithdrawForm(),
        "totals": report.snapshot["totals"],
        "files": report.files.order_by("format") if not report.is_draft else [],
        **extra,
    }


@login_required
def manage_report(request, pk: int):
    report = _visible_report(request, pk)
    return render(request, "transparency/manage_report.html", _manage_context(request, report))


def _act(request, pk: int, action):
    report = _visible_report(request, pk)
    try:
        message = action(report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return render(request, "transparency/manage_report.html", _manage_context(request, report), status=400)
    messages.success(request, message)
    return redirect("transparency-manage-report", pk=report.pk)


@login_required
@require_POST
def manage_refresh(request, pk: int):
    def action(report):
        services.transparency_report_refresh(actor=request.user, report=report)
        return "Figures recomputed from the data as it stands now."
    return _act(request, pk, action)


@login_required
@require_POST
def manage_publish(request, pk: int):
    form = PublishForm(request.POST)

    def action(report):
        if not form.is_valid():
            raise ValidationError("the form was incomplete: open the draft again")
        published = services.transparency_report_publish(actor=request.user, report=report,
                                                         snapshot_sha256=form.cleaned_data["snapshot_sha256"])
        return f"Version {published.version} published. Its figures and files are now frozen."
    return _act(request, pk, action)


@login_required
@require_POST
def manage_withdraw(request, pk: int):
    form = WithdrawForm(request.POST)

    def action(report):
        reason = form.data.get("reason", "")
        services.transparency_report_withdraw(actor=request.user, report=report, reason=reason)
        return f"Version {report.version} withdrawn. It stays listed with your reason."
    return _act(request, pk, action)
