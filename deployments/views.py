"""Pages of the governance layer: a view parses a form, calls one service or selector, and renders."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from deployments import files, rules, selectors, services
from deployments import bulk
from deployments.forms import (
    AssessmentForm, BulkEntriesForm, ConsultationForm, DeploymentForm, EntryForm, NotesForm, ReasonsForm, posted_window,
    show_errors,
)
from deployments.models import Status
from oversight.permissions import AUTHORISE, CHANGE, can, forces_with


def _deployment(request, pk: int):
    return get_object_or_404(selectors.deployment_list(user=request.user), pk=pk)


@login_required
def deployment_list(request):
    deployments = selectors.deployment_list(user=request.user).select_related("force").order_by("-starts_at")
    awaiting = None
    if forces_with(request.user, AUTHORISE).exists():  # approvers land here: their decisions come first
        awaiting = deployments.filter(status__in=[Status.SUBMITTED, Status.URGENT_AUTHORISED]).order_by("starts_at")
    return render(request, "deployments/list.html", {
        "deployments": deployments, "awaiting": awaiting, "can_create": forces_with(request.user, CHANGE).exists()})


@login_required
def deployment_create(request):
    force = request.user.force
    starts_at, ends_at = posted_window(request.POST or request.GET)
    free = selectors.assets_free(user=request.user, starts_at=starts_at, ends_at=ends_at)
    if request.method == "POST" and "show_free" in request.POST:
        # Not a save: the same form again, its equipment list narrowed to what is free for the window entered.
        form = DeploymentForm(initial=request.POST.dict() | {"legal_bases": request.POST.getlist("legal_bases")},
                              free_assets=free)
        return render(request, "deployments/form.html", {"form": form, "force": force, "window": (starts_at, ends_at)})
    form = DeploymentForm(request.POST or None, free_assets=free)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        assets = data.pop("assets")
        try:
            deployment = services.deployment_create(actor=request.user, force=force,
                                                    legal_basis_codes=data.pop("legal_bases"), asset_codes=assets,
                                                    **data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Deployment drafted. Build its watchlist and write the assessment next.")
            return redirect("deployment-detail", pk=deployment.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "deployments/form.html", {"form": form, "force": force}, status=status)


def _detail(request, deployment, *, decision_form=None, consultation_form=None, errors=None, status=200):
    """The approver's page: objective, place and window, watchlist, expected false alerts and every rule."""
    user = request.user
    may_authorise = can(user, AUTHORISE, deployment.force)
    watchlist = selectors.watchlist_of(deployment=deployment)
    assessment = selectors.assessment_of(deployment=deployment)
    context = {
        "deployment": deployment,
        "assessment": assessment,
        "aim": assessment.legitimate_aim.version_at(timezone.now()) if assessment else None,
        "watchlist": watchlist,
        "evidence": selectors.watchlist_evidence(watchlist=watchlist, at=timezone.now()),
        "composition": selectors.watchlist_composition(watchlist=watchlist),
        "expected": selectors.expected_false_alerts(deployment=deployment),
        "external": selectors.external_algorithm_figures(deployment=deployment, at=timezone.now()),
        "result": rules.check_authorisation(deployment, approver=user if may_authorise else None),
        "authorisations": deployment.authorisations.select_related("approver").order_by("-decided_at"),
        "bookings": deployment.bookings.filter(released_at__isnull=True).select_related("asset"),
        "may_change": can(user, CHANGE, deployment.force),
        "may_authorise": may_authorise,
        "decision_form": decision_form or ReasonsForm(),
        "consultations": deployment.consultations.select_related("recorded_by"),
        "consultation_form": consultation_form or ConsultationForm(),
        "errors": errors or [],
        "Status": Status,
    }
    return render(request, "deployments/detail.html", context, status=status)


@login_required
def deployment_detail(request, pk: int):
    return _detail(request, _deployment(request, pk))


DECISIONS = {
    "authorise": (services.deployment_authorise, "Deployment authorised."),
    "refuse": (services.deployment_refuse, "Deployment refused."),
    "urgent-authorise": (services.deployment_urgent_authorise,
                         "Deployment authorised urgently: a senior officer must review it in time."),
}


@login_required
@require_POST
def deployment_decide(request, pk: int):
    deployment = _deployment(request, pk)
    form = ReasonsForm(request.POST)
    service, done = DECISIONS.get(request.POST.get("decision"), (None, ""))
    if service is None:
        form.add_error(None, "choose to authorise or refuse")
    elif form.is_valid():
        try:
            service(actor=request.user, deployment=deployment, reasons=form.cleaned_data["reasons"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("deployment-detail", pk=deployment.pk)
    deployment.refresh_from_db()
    errors = None
    if deployment.status not in (Status.DRAFT, Status.SUBMITTED):
        # Someone decided first: the decision form is no longer on the page, so say why at the top of it.
        errors = [message for messages_ in form.errors.values() for message in messages_]
    return _detail(request, deployment, decision_form=form, errors=errors, status=400)


MOVES = {
    "submit": (services.deployment_submit, "Submitted for authorisation."),
    "activate": (services.deployment_activate, "Deployment active."),
    "end": (services.deployment_end, "Deployment ended. Its post-deployment review is now due."),
}


@login_required
@require_POST
def deployment_move(request, pk: int, action: str):
    deployment = _deployment(request, pk)
    service, done = MOVES[action]
    try:
        service(actor=request.user, deployment=deployment)
    except ValidationError as error:
        return _detail(request, deployment, errors=error.messages, status=400)
    messages.success(request, done)
    return redirect("deployment-detail", pk=deployment.pk)


@login_required
@require_POST
def consultation_add(request, pk: int):
    deployment = _deployment(request, pk)
    form = ConsultationForm(request.POST)
    errors = None
    if form.is_valid():
        try:
            services.consultation_record(actor=request.user, deployment=deployment, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
            errors = form.non_field_errors()
        else:
            messages.success(request, "Consultation recorded.")
            return redirect(reverse("deployment-detail", args=[deployment.pk]) + "#engagement")
    return _detail(request, deployment, consultation_form=form, errors=errors, status=400)


@login_required
def assessment_edit(request, pk: int):
    deployment = _deployment(request, pk)
    assessment = selectors.assessment_of(deployment=deployment)
    initial = {}
    if assessment is not None:
        initial = {name: getattr(assessment, name) for name in services.ASSESSMENT_FIELDS}
        initial["legitimate_aim"] = assessment.legitimate_aim.code
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_save(actor=request.user, deployment=deployment, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Assessment saved.")
            return redirect("deployment-detail", pk=deployment.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "deployments/assessment.html", {"deployment": deployment, "form": form},
                  status=status)


def _watchlist_page(request, deployment, *, entry_form=None, review_form=None, errors=None, status=200):
    watchlist = selectors.watchlist_of(deployment=deployment)
    categories = selectors.watchlist_category_list_published(force=deployment.force)
    return render(request, "deployments/watchlist.html", {
        "deployment": deployment, "watchlist": watchlist,
        "evidence": selectors.watchlist_evidence(watchlist=watchlist, at=timezone.now()),
        "composition": selectors.watchlist_composition(watchlist=watchlist),
        "entry_form": entry_form or EntryForm(categories=categories),
        "review_form": review_form or NotesForm(), "errors": errors or [],
        "may_change": can(request.user, CHANGE, deployment.force),
    }, status=status)


@login_required
def watchlist_page(request, pk: int):
    deployment = _deployment(request, pk)
    if request.method != "POST":
        return _watchlist_page(request, deployment)
    categories = selectors.watchlist_category_list_published(force=deployment.force)
    form = EntryForm(request.POST, request.FILES, categories=categories)
    watchlist = selectors.watchlist_of(deployment=deployment)
    if watchlist is None:
        form.add_error(None, "build the watchlist first")
    elif form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.watchlist_entry_add(actor=request.user, watchlist=watchlist,
                                         legal_basis_codes=data.pop("legal_bases"), **data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"{data['subject_reference']} added. Review the watchlist after your changes.")
            return redirect("deployment-watchlist", pk=deployment.pk)
    return _watchlist_page(request, deployment, entry_form=form, status=400)


@login_required
@require_POST
def watchlist_build(request, pk: int):
    deployment = _deployment(request, pk)
    try:
        services.watchlist_create(actor=request.user, deployment=deployment)
    except ValidationError as error:
        return _watchlist_page(request, deployment, errors=error.messages, status=400)
    return redirect("deployment-watchlist", pk=deployment.pk)


@login_required
@require_POST
def watchlist_review(request, pk: int):
    deployment = _deployment(request, pk)
    form = NotesForm(request.POST)
    watchlist = selectors.watchlist_of(deployment=deployment)
    if watchlist is not None and form.is_valid():
        try:
            services.watchlist_review(actor=request.user, watchlist=watchlist, notes=form.cleaned_data["notes"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Watchlist reviewed.")
            return redirect("deployment-watchlist", pk=deployment.pk)
    return _watchlist_page(request, deployment, review_form=form, errors=form.non_field_errors(), status=400)


@login_required
def watchlist_entry_image(request, pk: int):
    """A watchlist photo, to people who may read the entry (the same selector as the API); 404 to anyone else."""
    entry = get_object_or_404(selectors.watchlist_entry_list(user=request.user), pk=pk)
    if request.GET.get("size") == "small":
        return files.face_thumbnail_response(entry.image, name=f"entry-{entry.pk}")
    return files.face_image_response(entry.image, name=f"entry-{entry.pk}")


def _field_label(name: str) -> str:
    """A field named in an error, as the person who filled in the CSV knows it."""
    if name in EntryForm.base_fields:
        return str(EntryForm.base_fields[name].label or name.replace("_", " ").capitalize())
    labels = {"legal_basis_codes": "Legal basis", "image": "Photo", "csv": "Line", "watchlist": "Watchlist",
              "status": "Deployment", "__all__": "", "": ""}
    return labels.get(name, name.replace("_", " ").capitalize())


@login_required
def watchlist_bulk(request, pk: int):
    """Add many people at once: a CSV and a zip of photos; a report says, line by line, who was added and why
    anyone was not."""
    deployment = _deployment(request, pk)
    watchlist = selectors.watchlist_of(deployment=deployment)
    form = BulkEntriesForm(request.POST or None, request.FILES or None)
    report, status = None, 200
    if request.method == "POST":
        status = 400
        if watchlist is None:
            form.add_error(None, "build the watchlist first")
        elif form.is_valid():
            try:
                rows = bulk.csv_rows(form.cleaned_data["csv"])
                images = bulk.zip_images(form.cleaned_data["images"])
                outcomes = services.watchlist_entries_add_bulk(actor=request.user, watchlist=watchlist, rows=rows,
                                                               images=images)
            except rules.RuleError as error:  # in words; the rule ids stay in the audit log and the API
                for violation in error.violations:
                    form.add_error(None, violation.message)
            except ValidationError as error:
                show_errors(form, error)
            else:
                report = [{"outcome": o, "problems": [(_field_label(name), messages)
                                                      for name, messages in o.problems.items()]}
                          for o in outcomes]
                accepted = sum(1 for o in outcomes if o.accepted)
                status = 200 if accepted else 400
                if accepted:
                    messages.success(request, f"{accepted} of {len(outcomes)} added. Review the watchlist after "
                                              "your changes.")
    return render(request, "deployments/watchlist_bulk.html", {
        "deployment": deployment, "watchlist": watchlist, "form": form, "report": report,
        "accepted": sum(1 for row in report or [] if row["outcome"].accepted),
        "required": bulk.REQUIRED, "optional": bulk.OPTIONAL, "max_rows": bulk.MAX_ROWS,
        "bases": EntryForm().fields["legal_bases"].choices,
        "categories": selectors.watchlist_category_list_published(force=deployment.force),
        "max_zip_mb": bulk.MAX_ZIP_BYTES // 2**20,
        "may_change": can(request.user, CHANGE, deployment.force),
    }, status=status)
