"""Screens that were only in the API: the post-deployment review (rule 23), filing policy documents, and the
national van fleet (allocation to forces, bookings, availability).

Each view parses a form, calls the governance layer's service (which checks permission, applies the rules and
writes the audit event) and renders; a refusal comes back as a 400 with the message beside its field.
"""
from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from deployments import fleet as fleet_services, selectors as deployment_selectors, services as deployment_services
from deployments.forms import show_errors
from deployments.models import AssetBooking, AssetKind, DocumentKind, Status
from matching import selectors as matching_selectors
from oversight.forms import DateTimeInput
from oversight.models import Force, Role
from oversight.permissions import ADMINISTER, AUTHORISE, CHANGE, can, forces_visible_to

TEXT = {"rows": 4}


class ReviewForm(forms.Form):
    outcomes_against_objective = forms.CharField(
        widget=forms.Textarea(attrs=TEXT), label="Outcomes against the policing objective",
        help_text="What the deployment achieved against what it set out to do.")
    false_alerts = forms.IntegerField(min_value=0, label="False alerts",
                                      help_text="The officers' decisions recorded this many.")
    complaints = forms.CharField(widget=forms.Textarea(attrs=TEXT), label="Complaints",
                                 help_text="Complaints received and how they were handled; write 'none' if none.")
    deletion_evidence = forms.CharField(widget=forms.Textarea(attrs=TEXT), label="Evidence of deletion",
                                        help_text="How you know the watchlist and alert images were deleted.")


@login_required
def deployment_review(request, pk: int):
    """The force records the review of an ended or stopped deployment; it is due within the policy's days."""
    deployment = deployment_selectors.deployment_list(user=request.user).filter(pk=pk).first()
    if deployment is None:
        raise Http404("No such deployment")
    if not can(request.user, CHANGE, deployment.force):
        raise PermissionDenied(f"only {deployment.force}'s people record its review")
    existing = deployment_selectors.review_list(user=request.user).filter(deployment=deployment).first()
    if existing is not None:
        return redirect("record-review", pk=existing.pk)
    if deployment.status not in (Status.ENDED, Status.STOPPED):
        raise PermissionDenied("a deployment is reviewed once it has ended or been stopped")
    counts = matching_selectors.alert_counts(deployment=deployment)
    form = ReviewForm(request.POST or None, initial={"false_alerts": counts.get("false_alerts", 0)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                review = deployment_services.deployment_review(actor=request.user, deployment=deployment,
                                                               **form.cleaned_data)
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.success(request, "Post-deployment review recorded.")
                return redirect("record-review", pk=review.pk)
    return render(request, "records/review_form.html", {
        "deployment": deployment, "form": form, "counts": counts,
        "due_at": deployment_selectors.review_due_at(deployment=deployment),
    }, status=status)


# --- Policy documents -----------------------------------------------------------------------------------------
class DateInput(forms.DateInput):
    input_type = "date"


class PolicyDocumentForm(forms.Form):
    """A version of a force's policy document; the service judges the file (PDF without scripts, or text)."""

    kind = forms.ChoiceField(choices=DocumentKind.choices, label="Kind of document")
    title = forms.CharField(max_length=200)
    version = forms.CharField(max_length=20, help_text="As the document states it, e.g. 2.1.")
    approved_on = forms.DateField(widget=DateInput, label="Approved on")
    next_review_on = forms.DateField(widget=DateInput, label="Next review due")
    file = forms.FileField(label="The document", help_text="A PDF or a plain-text file.")
    published = forms.BooleanField(required=False, label="Publish it on the transparency site",
                                   widget=forms.CheckboxInput(attrs={"class": "tick"}))
    algorithm_version = forms.ModelChoiceField(queryset=None, required=False, to_field_name="code",
                                               label="Algorithm tested (bias-test reports only)")
    threshold_min = forms.FloatField(required=False, min_value=0, max_value=1, label="Lowest threshold tested")
    threshold_max = forms.FloatField(required=False, min_value=0, max_value=1, label="Highest threshold tested")
    no_difference_from = forms.FloatField(required=False, min_value=0, max_value=1,
                                          label="No demographic difference from this threshold up")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["algorithm_version"].queryset = deployment_selectors.algorithm_version_list()


def _filing_forces(user):
    """The forces whose documents `user` may file (their administrators and approvers)."""
    return [f for f in forces_visible_to(user) if can(user, ADMINISTER, f) or can(user, AUTHORISE, f)]


@login_required
def policy_documents(request):
    """Every version of each policy document the user may see, the one in force first; superseded ones after."""
    now = timezone.now()
    documents = deployment_selectors.policy_document_list(user=request.user).order_by(
        "force__name", "kind", "-approved_on", "-id")
    in_force = set()
    for force in forces_visible_to(request.user):
        in_force |= {d.pk for d in deployment_selectors.documents_in_force(force=force, at=now).values()}
        in_force |= {d.pk for d in deployment_selectors.bias_tests_in_force(force=force, at=now).values()}
    rows = [{"doc": d, "in_force": d.pk in in_force, "overdue": d.next_review_on < now.date()} for d in documents]
    return render(request, "records/policy_documents.html", {
        "rows": rows, "may_file": bool(_filing_forces(request.user)), "today": now.date()})


@login_required
def policy_document_file(request):
    """File a new document, or a new version that supersedes one (`?supersedes=<id>` fills in its kind and title)."""
    forces = _filing_forces(request.user)
    if not forces:
        raise PermissionDenied("only a force's administrators and approvers file its policy documents")
    initial = {}
    superseded = None
    if request.GET.get("supersedes", "").isdigit():
        superseded = deployment_selectors.policy_document_list(user=request.user).filter(
            pk=int(request.GET["supersedes"]), force__in=forces).first()
        if superseded is not None:
            initial = {"kind": superseded.kind, "title": superseded.title,
                       "algorithm_version": superseded.algorithm_version.code if superseded.algorithm_version else None,
                       "published": superseded.published}
    form = PolicyDocumentForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                doc = deployment_services.policy_document_add(actor=request.user, force=forces[0],
                                                              **form.cleaned_data)
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.success(request, f"{doc.get_kind_display()} version {doc.version} filed.")
                return redirect("record-policy-document", pk=doc.pk)
    return render(request, "records/policy_document_form.html", {
        "form": form, "force": forces[0], "superseded": superseded}, status=status)


# --- The national van fleet ---------------------------------------------------------------------------------------
class WindowForm(forms.Form):
    start = forms.DateTimeField(required=False, widget=DateTimeInput, label="Free from")
    end = forms.DateTimeField(required=False, widget=DateTimeInput, label="Until")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "the window ends after it starts")
        return data


class AllocationForm(forms.Form):
    forces = forms.ModelMultipleChoiceField(queryset=Force.objects.order_by("name"), required=False,
                                            to_field_name="code", widget=forms.CheckboxSelectMultiple,
                                            label="Allocated to", help_text="Tick two forces for a joint allocation; "
                                                                            "none returns the van to every force.")


def _fleet_rows(user, start, end) -> list[dict]:
    visible = set(forces_visible_to(user).values_list("pk", flat=True))
    vans = (deployment_selectors.asset_list(user=user).filter(kind=AssetKind.VAN)
            .prefetch_related("allocated_to").select_related("force").order_by("code"))
    now = timezone.now()
    rows = []
    for van in vans:
        bookings = (AssetBooking.objects.filter(asset=van, released_at__isnull=True, during__endswith__gt=now)
                    .select_related("deployment__force").order_by("during"))
        shown = [{"booking": b, "own": b.deployment.force_id in visible,
                  "clashes": b.during.lower < end and b.during.upper > start} for b in bookings]
        allocated = list(van.allocated_to.all())
        may_book = any(f.pk in visible for f in allocated) or not allocated
        rows.append({"van": van, "allocated": allocated, "bookings": shown, "may_book": may_book,
                     "free": not any(row["clashes"] for row in shown),
                     "form": AllocationForm(prefix=van.code, initial={"forces": [f.code for f in allocated]})})
    return rows


@login_required
def fleet(request, *, allocation_forms=None, status: int = 200):
    """Every national van: the forces it is allocated to, its bookings, and whether it is free in a window."""
    form = WindowForm(request.GET or None)
    start = timezone.now()
    end = start + timedelta(hours=24)
    if form.is_bound:
        if form.is_valid():
            start = form.cleaned_data["start"] or start
            end = form.cleaned_data["end"] or start + timedelta(hours=24)
        else:
            status = 400
    rows = _fleet_rows(request.user, start, end)
    for row in rows:
        if allocation_forms and row["van"].code in allocation_forms:
            row["form"] = allocation_forms[row["van"].code]
    return render(request, "records/fleet.html", {
        "form": form, "rows": rows, "start": start, "end": end,
        "may_allocate": request.user.role == Role.OVERSIGHT_ADMIN,
        "free_count": sum(1 for row in rows if row["free"] and row["may_book"]),
    }, status=status)


@login_required
def fleet_allocate(request, code: str):
    if request.method != "POST":
        return redirect("fleet")
    van = deployment_selectors.asset_list(user=request.user).filter(code=code, kind=AssetKind.VAN).first()
    if van is None:
        raise Http404("No such van")
    form = AllocationForm(request.POST, prefix=code)
    if form.is_valid():
        try:
            fleet_services.asset_allocate(actor=request.user, asset=van, forces=list(form.cleaned_data["forces"]))
        except ValidationError as error:
            show_errors(form, error)
        else:
            names = " and ".join(f.name for f in form.cleaned_data["forces"]) or "every force"
            messages.success(request, f"{van.description}: allocated to {names}.")
            return redirect(reverse("fleet") + f"#van-{code}")
    request.GET = request.GET.copy()
    return fleet(request, allocation_forms={code: form}, status=400)
