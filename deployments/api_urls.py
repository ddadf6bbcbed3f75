from django.urls import include, path
from rest_framework.routers import SimpleRouter

from deployments import api

# SimpleRouter: no API root view here, so the ground layer's /api/ root is not shadowed.
router = SimpleRouter()
router.register("deployments", api.DeploymentViewSet, basename="deployment")
router.register("authorisations", api.AuthorisationViewSet, basename="authorisation")
router.register("assessments", api.AssessmentViewSet, basename="assessment")
router.register("post-deployment-reviews", api.ReviewViewSet, basename="post-deployment-review")
router.register("watchlists", api.WatchlistViewSet, basename="watchlist")
router.register("watchlist-entries", api.WatchlistEntryViewSet, basename="watchlist-entry")
router.register("watchlist-categories", api.WatchlistCategoryViewSet, basename="watchlist-category")
router.register("policy-documents", api.PolicyDocumentViewSet, basename="policy-document")
router.register("algorithm-versions", api.AlgorithmVersionViewSet, basename="algorithm-version")
router.register("assets", api.AssetViewSet, basename="asset")
router.register("asset-bookings", api.AssetBookingViewSet, basename="asset-booking")

urlpatterns = [path("", include(router.urls))]
