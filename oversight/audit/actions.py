"""The typed vocabulary of audit events.

Each layer registers the actions its services record; recording an unregistered action is a bug and
fails loudly, so the regulator report can always say what every event means.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditAction:
    name: str
    description: str


ACTIONS: dict[str, AuditAction] = {}


def register(name: str, description: str) -> str:
    existing = ACTIONS.get(name)
    if existing is not None and existing.description != description:
        raise ValueError(f"audit action {name!r} is already registered with another meaning")
    ACTIONS[name] = AuditAction(name, description)
    return name


def get(name: str) -> AuditAction:
    try:
        return ACTIONS[name]
    except KeyError:
        raise ValueError(f"audit action {name!r} is not registered; register it in its layer's actions") from None


FORCE_CREATE = register("force.create", "A force was added to the platform")
FORCE_UPDATE = register("force.update", "A force's details were changed")
USER_CREATE = register("user.create", "A person was given an account")
USER_ROLE_CHANGE = register("user.role_change", "A person's role, rank or force changed")
USER_DEACTIVATE = register("user.deactivate", "A person's account was closed")
API_TOKEN_ISSUE = register("api_token.issue", "An API token was issued")
LEGAL_BASIS_VERSION_ADD = register("legal_basis.version_add", "A legal basis was added to the register or reworded")
POLICY_SETTING_VERSION_ADD = register("policy_setting.version_add", "A new version of a policy setting was made")
AUDIT_KEY_ROTATE = register("audit_key.rotate", "The key that signs the audit log's checkpoints was replaced")
