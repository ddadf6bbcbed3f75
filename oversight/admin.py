"""The Django admin, held to the same rules as the pages and the API.

Querysets come from the selectors, so a force's staff never see another force's rows (they get 404).
Changes go through the services (which audit them); everything else is read-only here.
"""
from __future__ import annotations

from django.contrib import admin
from django.http import Http404
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from oversight import selectors, services
from oversight.models import AuditEvent, Checkpoint, Force, LegalBasis, PolicySetting, Role, User


class ReadOnlyScopedAdmin(admin.ModelAdmin):
    """Read-only; subclasses give `selector(request)` for the rows this person may see."""

    def selector(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        return self.selector(request)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another force's object must look exactly like one that does not exist: 404, no redirect, no name.
        raise Http404("No such record")

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Force)
class ForceAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "code", "contact_email"]

    def selector(self, request):
        return selectors.force_list(user=request.user)


@admin.register(User)
class UserAdmin(ReadOnlyScopedAdmin, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "rank", "force"]
    list_filter = ["role"]
    fieldsets = [(None, {"fields": ["username", "first_name", "last_name", "email", "force", "role", "rank",
                                    "staff_number", "is_active"]})]

    def selector(self, request):
        return selectors.user_list(user=request.user)


@admin.register(LegalBasis)
class LegalBasisAdmin(ReadOnlyScopedAdmin):
    list_display = ["code"]

    def selector(self, request):
        return selectors.legal_basis_list()


@admin.register(PolicySetting)
class PolicySettingAdmin(ReadOnlyScopedAdmin):
    list_display = ["key", "version", "value", "effective_from"]
    fields = ["key", "value", "effective_from", "reason"]

    def selector(self, request):
        return selectors.policy_setting_list(user=request.user)

    def has_add_permission(self, request):
        return request.user.role == Role.OVERSIGHT_ADMIN

    def save_model(self, request, obj, form, change):
        # A change is a new version, made by the service so it is validated and audited.
        created = services.policy_setting_version_add(
            actor=request.user, key=obj.key, value=obj.value, effective_from=obj.effective_from, reason=obj.reason,
        )
        obj.pk, obj.version = created.pk, created.version


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["seq", "occurred_at", "actor_label", "action", "object_repr"]
    exclude = ["leaf_hash"]

    def selector(self, request):
        return selectors.audit_event_list(user=request.user)


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyScopedAdmin):
    list_display = ["tree_size", "signed_at", "key_id"]
    exclude = ["root_hash", "signature"]

    def selector(self, request):
        return selectors.checkpoint_list()
