"""Reads of the ground layer: one selector per kind of object, returning exactly what a user may see."""
from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from oversight.models import AuditEvent, Checkpoint, Force, LegalBasis, LegalBasisVersion, PolicySetting, Role, User
from oversight.permissions import forces_visible_to


def force_list(*, user) -> QuerySet[Force]:
    return forces_visible_to(user)


def force_list_public() -> QuerySet[Force]:
    """Forces are public bodies: their names and published contacts are public."""
    return Force.objects.all()


def user_list(*, user) -> QuerySet[User]:
    """People: oversight staff see everyone; force staff see their own force; the public sees nobody."""
    if user is None or not user.is_authenticated:
        return User.objects.none()
    if user.is_oversight:
        return User.objects.exclude(role="").select_related("force")
    return User.objects.filter(force__in=forces_visible_to(user)).select_related("force")


def legal_basis_list() -> QuerySet[LegalBasis]:
    """The register is published: everyone may read it."""
    return LegalBasis.objects.prefetch_related(
        Prefetch("versions", queryset=LegalBasisVersion.objects.order_by("-version"))
    )


def policy_setting_list(*, user) -> QuerySet[PolicySetting]:
    if user is None or not user.is_authenticated:
        return PolicySetting.objects.none()
    return PolicySetting.objects.all()


def policy_setting_list_scheduled(*, key: str) -> QuerySet[PolicySetting]:
    """Versions of a setting that take effect later: policy is public, so anyone may read them."""
    from django.utils import timezone

    return PolicySetting.objects.filter(key=key, effective_from__gt=timezone.now()).order_by("effective_from")


def audit_event_list(*, user) -> QuerySet[AuditEvent]:
    """Auditors and oversight admins see the whole log; force staff see their force's events."""
    if user is None or not user.is_authenticated:
        return AuditEvent.objects.none()
    if user.role in (Role.OVERSIGHT_AUDITOR, Role.OVERSIGHT_ADMIN):
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(Q(force__in=forces_visible_to(user)))


def checkpoint_list() -> QuerySet[Checkpoint]:
    """Checkpoints hold only sizes, hashes and signatures: they are public, so anyone can hold the log to them."""
    return Checkpoint.objects.all()
