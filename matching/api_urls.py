from django.urls import include, path
from rest_framework.routers import DefaultRouter

from matching import api

router = DefaultRouter()
router.register("alerts", api.AlertViewSet, basename="alert")
router.register("rfr/searches", api.RfrSearchViewSet, basename="rfr-search")
router.register("rfr/candidates", api.RfrCandidateViewSet, basename="rfr-candidate")
router.register("oifr/checks", api.OifrCheckViewSet, basename="oifr-check")
router.register("gallery", api.GalleryViewSet, basename="gallery")

urlpatterns = [
    path("deployments/<int:deployment_id>/devices/", api.DeviceView.as_view(), name="device-create"),
    path("devices/<int:device_id>/revoke/", api.DeviceRevokeView.as_view(), name="device-revoke"),
    path("deployments/<int:deployment_id>/enrol/", api.EnrolView.as_view(), name="watchlist-enrol"),
    path("live/<int:deployment_id>/frames/", api.FramesView.as_view(), name="live-frames"),
    path("live/<int:deployment_id>/templates/", api.TemplatesView.as_view(), name="live-templates"),
    path("deployments/<int:deployment_id>/vendor-package/", api.VendorPackageExportView.as_view(),
         name="vendor-package-export"),
    path("live/<int:deployment_id>/vendor/package/", api.VendorPackageView.as_view(), name="vendor-package"),
    path("live/<int:deployment_id>/vendor/faces/", api.VendorFacesView.as_view(), name="vendor-faces"),
    path("live/<int:deployment_id>/vendor/alerts/", api.VendorAlertView.as_view(), name="vendor-alerts"),
    path("live/<int:deployment_id>/vendor/package-deleted/", api.VendorDeletionView.as_view(),
         name="vendor-package-deleted"),
    path("retention/deletions/", api.DeletionsView.as_view(), name="retention-deletions"),
    path("", include(router.urls)),
]
