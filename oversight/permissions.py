"""Who may see and do what, with object permissions held by django-guardian.

Each force has one group per force role; the group holds object permissions on that Force row, and
a force's records are reachable only through the forces a user may see. Oversight roles hold the same
permissions globally (model level): auditors read every force, nobody in the oversight body changes a
force's records. Anonymous visitors hold nothing: they see published material only, through selectors
that filter on publication.
"""
from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user

from oversight.models import Force, Role

VIEW = "view_force_data"
CHANGE = "change_force_data"
AUTHORISE = "authorise_deployments"
ADMINISTER = "administer_force"

FORCE_ROLE_PERMISSIONS = {
    Role.FORCE_OPERATOR: [VIEW, CHANGE],
    Role.FORCE_APPROVER: [VIEW, CHANGE, AUTHORISE],
    Role.FORCE_ADMIN: [VIEW, CHANGE, ADMINISTER],
}
OVERSIGHT_ROLE_PERMISSIONS = {
    Role.OVERSIGHT_AUDITOR: [VIEW],
    Role.OVERSIGHT_ADMIN: [VIEW],
}


def force_group_name(force: Force, role: str) -> str:
    return f"force:{force.code}:{role}"


def oversight_group(role: str) -> Group:
    group, created = Group.objects.get_or_create(name=f"oversight:{role}")
    if created:
        codenames = OVERSIGHT_ROLE_PERMISSIONS[role]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="oversight", codename__in=codenames))
    return group


def force_groups_create(force: Force) -> None:
    for role, codenames in FORCE_ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=force_group_name(force, role))
        for codename in codenames:
            assign_perm(f"oversight.{codename}", group, force)


def group_for(user) -> Group | None:
    if user.role in OVERSIGHT_ROLE_PERMISSIONS:
        return oversight_group(user.role)
    if user.role in FORCE_ROLE_PERMISSIONS and user.force_id:
        return Group.objects.get(name=force_group_name(user.force, user.role))
    return None


def forces_visible_to(user) -> QuerySet[Force]:
    """Every force whose records `user` may read."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Force.objects.none()
    return get_objects_for_user(user, f"oversight.{VIEW}", klass=Force, accept_global_perms=True)


def forces_with(user, codename: str) -> QuerySet[Force]:
    if user is None or not user.is_authenticated or not user.is_active:
        return Force.objects.none()
    return get_objects_for_user(user, f"oversight.{codename}", klass=Force, accept_global_perms=True)


def can(user, codename: str, force: Force | None) -> bool:
    """Whether `user` holds `codename` on `force` (globally or on that force)."""
    if user is None or not user.is_authenticated or not user.is_active or force is None:
        return False
    return user.has_perm(f"oversight.{codename}") or user.has_perm(f"oversight.{codename}", force)


def require(user, codename: str, force: Force | None, doing: str) -> None:
    if not can(user, codename, force):
        raise PermissionDenied(f"you may not {doing} for {force or 'this force'}")


def require_role(user, roles, doing: str) -> None:
    if user is None or not user.is_authenticated or user.role not in roles:
        names = ", ".join(Role(r).label.lower() for r in roles)
        raise PermissionDenied(f"only a {names} may {doing}")


def scope_to_forces(qs: QuerySet, user, field: str = "force") -> QuerySet:
    """Restrict any force-owned queryset to what `user` may read."""
    return qs.filter(**{f"{field}__in": forces_visible_to(user)})
