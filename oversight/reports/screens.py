"""Screens that were only in the API: the post-deployment review (rule 23).

Each view parses a form, calls the governance layer's service (which checks permission, applies the rules and
writes the audit event) and renders; a refusal comes back as a 400 with the message beside its field.
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from deployments import selectors as deployment_selectors, services as deployment_services
from deployments.forms import show_errors
from deployments.models import Status
from matching import selectors as matching_selectors
from oversight.permissions import CHANGE, can

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
