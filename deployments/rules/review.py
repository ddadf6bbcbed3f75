"""The rules of oversight after a deployment and of the policy documents (domain.md rules 23 and 25)."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from deployments import selectors
from deployments.models import Deployment, Kind, Status
from deployments.rules.engine import AUTHORISE, REVIEW, WARNING, Context, _when, rule


@rule("R23-post-deployment-review", title="Post-deployment review of outcomes, false alerts, complaints and deletion",
      source="domain.md rule 23; College of Policing APP (LFR)", stages=(REVIEW,), kinds=(Kind.LFR,))
def post_deployment_review(ctx: Context):
    r = ctx.review
    required = [("outcomes_against_objective", "the outcomes against the policing objective"),
                ("complaints", "the complaints received ('none' if none)"),
                ("deletion_evidence", "the evidence that watchlist and alert data were deleted")]
    problems = [(name, f"write {what}") for name, what in required if not (getattr(r, name) or "").strip()]
    if r.false_alerts is None:
        problems.append(("false_alerts", "give the number of false alerts"))
    return problems


@rule("R23-review-overdue", title="Post-deployment reviews are made within the set time",
      source="domain.md rule 23", severity=WARNING, policy=("review.post_deployment_days",),
      stages=(REVIEW, AUTHORISE), kinds=(Kind.LFR,))
def review_overdue(ctx: Context):
    def due(deployment: Deployment) -> datetime:
        return deployment.ended_at + timedelta(days=ctx.policy("review.post_deployment_days", at=deployment.ended_at))

    if ctx.stage == REVIEW:
        d = ctx.deployment
        if d.ended_at is not None and ctx.at > due(d):
            return [("reviewed_at", f"the review was due by {_when(due(d))}")]
        return []
    ended = Deployment.objects.filter(force=ctx.deployment.force, status__in=[Status.ENDED, Status.STOPPED],
                                      ended_at__isnull=False)
    late = [d for d in ended if ctx.at > due(d)]
    if late:
        names = "; ".join(f"{d.title} (due {_when(due(d))})" for d in late[:5])
        return [("force", f"{len(late)} earlier deployment(s) of {ctx.deployment.force} are past their "
                          f"post-deployment review date: {names}")]
    return []


@rule("R25-document-review-overdue", title="An overdue policy-document review blocks new authorisations",
      source="domain.md rule 25; ICO audit 2025", stages=(AUTHORISE,))
def document_review_overdue(ctx: Context):
    d = ctx.deployment
    docs = list(selectors.documents_in_force(force=d.force, at=ctx.at).values())
    test = selectors.bias_test_for(deployment=d, at=ctx.at)
    docs += [test] if test else []
    return [("documents", f"{doc.get_kind_display()} \u201c{doc}\u201d was due for review on "
                          f"{date_format(doc.next_review_on)}")
            for doc in docs if doc.next_review_on < timezone.localdate(ctx.at)]
