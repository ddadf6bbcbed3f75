"""Read-only admin for the governance layer, scoped by the same selectors as the pages and the API."""
from __future__ import annotations

from django.contrib import admin

from deployments import selectors
from deployments.models import (
    AlgorithmVersion, Asset, AssetBooking, Authorisation, Deployment, PolicyDocument, PostDeploymentReview,
    ProportionalityAssessment, Watchlist, WatchlistCategory, WatchlistEntry,
)
from oversight.admin import ReadOnlyScopedAdmin


def scoped(model, selector, *, user_scoped: bool = True, **options):
    """Register `model` read-only, showing only the rows `selector` gives this person."""
    def get(self, request):
        return selector(user=request.user) if user_scoped else selector()
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyScopedAdmin,), {"selector": get, **options}))


scoped(Deployment, selectors.deployment_list, list_display=["title", "kind", "force", "status", "starts_at", "ends_at"],
       list_filter=["status", "kind"])
scoped(Authorisation, selectors.authorisation_list,
       list_display=["deployment", "kind", "decision", "approver", "approver_rank", "decided_at", "urgent_review"])
scoped(ProportionalityAssessment, selectors.assessment_list, list_display=["deployment", "legitimate_aim", "decision"])
scoped(PolicyDocument, selectors.policy_document_list,
       list_display=["title", "kind", "version", "force", "approved_on", "next_review_on", "published"])
scoped(Watchlist, selectors.watchlist_list, list_display=["deployment", "built_at", "changed_at", "reviewed_at"])
scoped(WatchlistEntry, selectors.watchlist_entry_list,
       list_display=["subject_reference", "watchlist", "category", "subject_kind", "under_18", "deletion_status"])
scoped(WatchlistCategory, selectors.watchlist_category_list, list_display=["name", "code", "force", "published"])
scoped(PostDeploymentReview, selectors.review_list, list_display=["deployment", "due_at", "reviewed_at"])
scoped(Asset, selectors.asset_list, list_display=["code", "kind", "force"])
scoped(AssetBooking, selectors.asset_booking_list, list_display=["asset", "deployment", "during", "released_at"])
scoped(AlgorithmVersion, selectors.algorithm_version_list, user_scoped=False,
       list_display=["code", "vendor", "version", "embedding_size"])
