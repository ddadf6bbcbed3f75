"""Writes of the ground layer. Each service names who acts and leaves an audit event in its transaction.

`actor=None` means the platform itself (data migrations, scheduled jobs, the demo seed).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from rest_framework.authtoken.models import Token

from oversight import policy
from oversight.audit import actions, checkpoints
from oversight.audit.log import audit_record, snapshot
from oversight.models import (
    FORCE_ROLES, OVERSIGHT_ROLES, Force, LegalBasis, LegalBasisKind, LegalBasisVersion, PolicySetting, Rank, Role,
    User,
)
from oversight.permissions import ADMINISTER, can, force_groups_create, group_for, require_role

USER_FIELDS = ["username", "first_name", "last_name", "email", "force", "role", "rank", "staff_number", "is_active"]


def _require_oversight_admin(actor, doing: str) -> None:
    if actor is not None:
        require_role(actor, [Role.OVERSIGHT_ADMIN], doing)


def force_create(*, actor: User | None, code: str, name: str, contact_email: str = "") -> Force:
    _require_oversight_admin(actor, "add a force")
    with transaction.atomic(), pghistory.context(actor=getattr(actor, "username", "system")):
        force = Force(code=code, name=name, contact_email=contact_email)
        force.full_clean()
        force.save()
        force_groups_create(force)
        audit_record(actor=actor, action=actions.FORCE_CREATE, obj=force,
                     new=snapshot(force, ["code", "name", "contact_email"]))
    return force


def _validate_membership(role: str, force: Force | None, rank: int | None) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"unknown role {role!r}; one of {', '.join(Role.values)}"})
    if role in OVERSIGHT_ROLES and force is not None:
        raise ValidationError({"force": "members of the oversight body belong to no force"})
    if role in FORCE_ROLES and force is None:
        raise ValidationError({"force": f"a {Role(role).label.lower()} must belong to a force"})
    if role == Role.FORCE_APPROVER and rank is None:
        raise ValidationError({"rank": "an approver's police rank is needed to check authorisation rules"})
    if rank is not None and rank not in Rank.values:
        raise ValidationError({"rank": f"unknown rank {rank!r}"})


def _require_people_admin(actor, force: Force | None, doing: str) -> None:
    if actor is None or actor.role == Role.OVERSIGHT_ADMIN:
        return
    if force is not None and actor.role == Role.FORCE_ADMIN and can(actor, ADMINISTER, force):
        return
    raise PermissionDenied(f"you may not {doing}")


def user_create(
    *, actor: User | None, username: str, password: str | None, role: str, force: Force | None = None,
    rank: int | None = None, first_name: str = "", last_name: str = "", email: str = "", staff_number: str = "",
) -> User:
    _validate_membership(role, force, rank)
    _require_people_admin(actor, force, "add people to this organisation")
    if actor is not None and actor.role == Role.FORCE_ADMIN and role not in FORCE_ROLES:
        raise PermissionDenied("a force administrator may add only force roles")
    with transaction.atomic(), pghistory.context(actor=getattr(actor, "username", "system")):
        # Everyone with a role may open the (read-only, selector-scoped) admin.
        user = User(username=username, role=role, force=force, rank=rank, first_name=first_name,
                    last_name=last_name, email=email, staff_number=staff_number, is_staff=True)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        group = group_for(user)
        if group is not None:
            user.groups.add(group)
        audit_record(actor=actor, action=actions.USER_CREATE, obj=user, force=force,
                     new=snapshot(user, USER_FIELDS))
    return user


def user_role_change(
    *, actor: User | None, user: User, role: str, force: Force | None, rank: int | None, reason: str,
) -> User:
    _validate_membership(role, force, rank)
    _require_people_admin(actor, user.force, "change this person's role")
    _require_people_admin(actor, force, "move this person to that force")
    if not reason.strip():
        raise ValidationError({"reason": "say why the role changes"})
    with transaction.atomic(), pghistory.context(actor=getattr(actor, "username", "system")):
        old = snapshot(user, USER_FIELDS)
        old_group = group_for(user)
        user.role, user.force, user.rank = role, force, rank
        user.full_clean(exclude=["password"])
        user.save()
        if old_group is not None:
            user.groups.remove(old_group)
        new_group = group_for(user)
        if new_group is not None:
            user.groups.add(new_group)
        audit_record(actor=actor, action=actions.USER_ROLE_CHANGE, obj=user, force=force or user.force,
                     old=old, new=snapshot(user, USER_FIELDS), reason=reason)
    return user


def api_token_issue(*, actor: User, user: User) -> Token:
    if actor.pk != user.pk:
        _require_people_admin(actor, user.force, "issue an API token for this person")
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit_record(actor=actor, action=actions.API_TOKEN_ISSUE, obj=user, force=user.force,
                     new={"user": user.pk})
    return token


def legal_basis_version_add(
    *, actor: User | None, code: str, title: str, meaning: str, kind: str, source: str = "",
    effective_from: datetime | None = None, reason: str = "",
) -> LegalBasisVersion:
    """Add a legal basis to the register, or a new wording of an existing one. Old versions stay."""
    _require_oversight_admin(actor, "change the legal-basis register")
    if kind not in LegalBasisKind.values:
        raise ValidationError({"kind": f"unknown kind {kind!r}; one of {', '.join(LegalBasisKind.values)}"})
    if not code or not code.replace("-", "").replace("_", "").isalnum() or code.upper() != code:
        raise ValidationError({"code": f"{code!r} is not a register code (capitals, digits and hyphens)"})
    with transaction.atomic(), pghistory.context(actor=getattr(actor, "username", "system")):
        basis, _ = LegalBasis.objects.select_for_update().get_or_create(code=code)
        number = (basis.versions.aggregate(n=Max("version"))["n"] or 0) + 1
        version = LegalBasisVersion(
            legal_basis=basis, version=number, title=title, meaning=meaning, kind=kind, source=source,
            effective_from=effective_from or timezone.now(), reason=reason, created_by=actor,
        )
        version.full_clean()
        version.save()
        audit_record(actor=actor, action=actions.LEGAL_BASIS_VERSION_ADD, obj=version,
                     new=snapshot(version, ["version", "title", "meaning", "kind", "source", "effective_from"])
                     | {"code": code}, reason=reason)
    return version


def policy_setting_version_add(
    *, actor: User | None, key: str, value: Any, effective_from: datetime | None = None, reason: str,
) -> PolicySetting:
    """Make a new version of a policy setting. Settings in force earlier stay as they were."""
    _require_oversight_admin(actor, "change policy settings")
    try:
        policy.definition(key)
    except policy.UnknownPolicySetting as exc:
        raise ValidationError({"key": str(exc)}) from None
    try:
        policy.validate(key, value, at=effective_from)
    except ValidationError as exc:
        raise ValidationError({"value": f"{key} {'; '.join(exc.messages)}"}) from None
    if actor is not None and not reason.strip():
        raise ValidationError({"reason": "say why the policy changes"})
    with transaction.atomic(), pghistory.context(actor=getattr(actor, "username", "system")):
        number = (PolicySetting.objects.filter(key=key).aggregate(n=Max("version"))["n"] or 0) + 1
        previous = PolicySetting.objects.filter(key=key, version=number - 1).first()
        setting = PolicySetting.objects.create(
            key=key, version=number, value=value, effective_from=effective_from or timezone.now(),
            reason=reason, created_by=actor,
        )
        if key in checkpoints.TAIL_LIMITS:  # before the append's own check: this process checks with the new limit
            transaction.on_commit(checkpoints.tail_limits_changed)
        audit_record(actor=actor, action=actions.POLICY_SETTING_VERSION_ADD, obj=setting,
                     old={"version": previous.version, "value": previous.value} if previous else None,
                     new={"key": key, "version": number, "value": value,
                          "effective_from": setting.effective_from}, reason=reason)
    return setting
