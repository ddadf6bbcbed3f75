"""Read-only, force-scoped admin views of the matcher's records (same rules as pages and API)."""
from django.contrib import admin

from matching import selectors
from matching.models import Alert, CustodyImage, Deletion, Device, FaceModel, OifrCheck, RfrSearch
from oversight.admin import ReadOnlyScopedAdmin
from oversight.permissions import scope_to_forces


@admin.register(FaceModel)
class FaceModelAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "version", "onnx_sha256", "licence", "registered_at"]

    def selector(self, request):
        return FaceModel.objects.all()


@admin.register(Alert)
class AlertAdmin(ReadOnlyScopedAdmin):
    list_display = ["id", "deployment", "similarity", "threshold", "status", "created_at"]
    exclude = ["embedding"]

    def selector(self, request):
        return selectors.alert_list(user=request.user)


@admin.register(Device)
class DeviceAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "deployment", "created_at", "revoked_at"]
    exclude = ["token_sha256"]

    def selector(self, request):
        return selectors.device_list(user=request.user)


@admin.register(CustodyImage)
class CustodyImageAdmin(ReadOnlyScopedAdmin):
    list_display = ["subject_reference", "force", "kind", "created_at"]
    exclude = ["embedding"]

    def selector(self, request):
        return selectors.gallery_list(user=request.user)


@admin.register(RfrSearch)
class RfrSearchAdmin(ReadOnlyScopedAdmin):
    list_display = ["id", "force", "crime_reference", "probe_source", "created_at"]

    def selector(self, request):
        return selectors.rfr_search_list(user=request.user)


@admin.register(OifrCheck)
class OifrCheckAdmin(ReadOnlyScopedAdmin):
    list_display = ["id", "force", "reason", "place_type", "created_at"]

    def selector(self, request):
        return selectors.oifr_check_list(user=request.user)


@admin.register(Deletion)
class DeletionAdmin(ReadOnlyScopedAdmin):
    list_display = ["kind", "force", "object_id", "due_at", "done_at"]

    def selector(self, request):
        return scope_to_forces(Deletion.objects.all(), request.user)
