from django.urls import include, path
from rest_framework.routers import DefaultRouter

from oversight import api_views

router = DefaultRouter()
router.register("forces", api_views.ForceViewSet, basename="force")
router.register("people", api_views.UserViewSet, basename="person")
router.register("legal-bases", api_views.LegalBasisViewSet, basename="legal-basis")
router.register("policy-settings", api_views.PolicySettingViewSet, basename="policy-setting")
router.register("audit/events", api_views.AuditEventViewSet, basename="audit-event")
router.register("audit/checkpoints", api_views.CheckpointViewSet, basename="audit-checkpoint")

urlpatterns = [
    path("audit/consistency-proof/", api_views.ConsistencyProofView.as_view(), name="audit-consistency-proof"),
    path("audit/public-key/", api_views.PublicKeyView.as_view(), name="audit-public-key"),
    path("", include(router.urls)),
]
