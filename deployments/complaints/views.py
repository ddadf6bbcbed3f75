"""Pages of complaints: the public files one and reads its status by reference; the oversight body triages;
the force answers. A view parses a form, calls one service or selector, and renders."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from deployments.complaints import selectors, services
from deployments.complaints.forms import AssignForm, CloseForm, ComplaintForm, RespondForm, StatusForm
from deployments.complaints.models import ComplaintStatus
from deployments.forms import show_errors
from oversight.models import OVERSIGHT_ROLES
from oversight.policy import policy_value


def _deadlines() -> dict:
    return {"triage_days": policy_value("complaints.triage_days"),
            "response_days": policy_value("complaints.response_days"),
            "kept_days": policy_value("complaints.personal_data_days")}


@never_cache  # the form carries this reader's CSRF token: never a shared copy
@csrf_protect
def complaint_new(request):
    form = ComplaintForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_file(
                    force=data["force"], subject=data["subject"], description=data["description"],
                    deployment_reference=data["deployment"], happened_on=data["happened_on"], place=data["place"],
                    contact_name=data["contact_name"], contact_email=data["contact_email"],
                    contact_phone=data["contact_phone"], address=request.META.get("REMOTE_ADDR", ""))
            except ValidationError as error:
                show_errors(form, error)
            except PermissionDenied as refusal:
                return render(request, "complaints/too_many.html", {"reason": str(refusal)}, status=429)
            else:
                return render(request, "complaints/filed.html", {"complaint": complaint, **_deadlines()},
                              status=200)
    return render(request, "complaints/new.html", {"form": form, **_deadlines()}, status=status)


@never_cache
@csrf_protect
def complaint_status(request):
    """Read by POST, so the reference stays out of addresses, history and logs."""
    form = StatusForm(request.POST or None)
    found, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            found = selectors.complaint_status(reference=form.cleaned_data["reference"])
            if found is None:
                form.add_error("reference", "no complaint has this reference: check it and try again")
                status = 404
            else:
                status = 200
    return render(request, "complaints/status.html", {"form": form, "found": found}, status=status)


@login_required
def complaint_list(request):
    complaints = selectors.complaints_visible_to(request.user)
    if request.user.role not in OVERSIGHT_ROLES and not request.user.force_id:
        raise PermissionDenied("complaints are read by the oversight body and the forces they are passed to")
    now = timezone.now()
    return render(request, "complaints/list.html", {
        "open": [c for c in complaints if c.status in (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED)],
        "closed": [c for c in complaints if c.status not in (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED)][:100],
        "now": now, "oversight": request.user.role in OVERSIGHT_ROLES})


def _complaint(request, pk: int):
    complaint = selectors.complaints_visible_to(request.user).filter(pk=pk).first()
    if complaint is None:
        raise Http404("no complaint of yours has this number")
    return complaint


def _detail(request, complaint, *, assign_form=None, close_form=None, respond_form=None, status=200):
    # A refusal that names no field of a form still shown (say, passing on one already passed on) goes on top.
    shown = []
    for form in (assign_form, close_form, respond_form):
        if form is not None and form.is_bound:
            shown += list(form.non_field_errors())
    oversight = request.user.role in OVERSIGHT_ROLES
    can_answer = (not oversight and complaint.status == ComplaintStatus.ASSIGNED
                  and request.user.role in services.ANSWERING_ROLES)
    return render(request, "complaints/detail.html", {
        "complaint": complaint, "now": timezone.now(), "oversight": oversight, "errors": shown,
        "can_triage": oversight and complaint.status == ComplaintStatus.RECEIVED,
        "can_answer": can_answer,
        "assign_form": assign_form or AssignForm(initial={"force": complaint.force.code}),
        "close_form": close_form or CloseForm(), "respond_form": respond_form or RespondForm(),
    }, status=status)


@login_required
def complaint_detail(request, pk: int):
    return _detail(request, _complaint(request, pk))


@login_required
@require_POST
def complaint_assign(request, pk: int):
    complaint = _complaint(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_assign(actor=request.user, complaint=complaint, note=form.cleaned_data["note"],
                                      force=form.cleaned_data["force"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Passed to {form.cleaned_data['force'].name} to answer.")
            return redirect("complaint-detail", pk=complaint.pk)
    return _detail(request, complaint, assign_form=form, status=400)


@login_required
@require_POST
def complaint_close(request, pk: int):
    complaint = _complaint(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_close(actor=request.user, complaint=complaint, note=form.cleaned_data["note"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Complaint closed.")
            return redirect("complaint-detail", pk=complaint.pk)
    return _detail(request, complaint, close_form=form, status=400)


@login_required
@require_POST
def complaint_respond(request, pk: int):
    complaint = _complaint(request, pk)
    form = RespondForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_respond(actor=request.user, complaint=complaint,
                                       response=form.cleaned_data["response"], outcome=form.cleaned_data["outcome"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Answer sent: the complainant can read it with their reference.")
            return redirect("complaint-detail", pk=complaint.pk)
    return _detail(request, complaint, respond_form=form, status=400)
