"""The ground layer: forces, people and roles, the legal-basis register, policy settings, the audit log.

Nothing here imports the governance, matcher or accountability layers.
"""
from __future__ import annotations

import pghistory
import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from oversight import bounds


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Force(models.Model):
    """A police force of England and Wales. Its people see only its records (object permissions)."""

    code = models.SlugField(max_length=40, unique=True, help_text="Short stable identifier, e.g. 'south-mercia'.")
    name = models.CharField(max_length=120, unique=True)
    contact_email = models.EmailField(blank=True, help_text="Published contact for complaints and data requests.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_force_data", "Can see this force's records"),
            ("change_force_data", "Can change this force's records"),
            ("authorise_deployments", "Can authorise this force's deployments"),
            ("administer_force", "Can manage this force's people and publications"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OVERSIGHT_ADMIN = "oversight_admin", "Oversight administrator"
    OVERSIGHT_AUDITOR = "oversight_auditor", "Oversight auditor"
    FORCE_ADMIN = "force_admin", "Force administrator"
    FORCE_APPROVER = "force_approver", "Force approver"
    FORCE_OPERATOR = "force_operator", "Force operator"


OVERSIGHT_ROLES = (Role.OVERSIGHT_ADMIN, Role.OVERSIGHT_AUDITOR)
FORCE_ROLES = (Role.FORCE_ADMIN, Role.FORCE_APPROVER, Role.FORCE_OPERATOR)


class Rank(models.IntegerChoices):
    """Police ranks in order of seniority; the order matters for authorisation floors."""

    CONSTABLE = 10, "Constable"
    SERGEANT = 20, "Sergeant"
    INSPECTOR = 30, "Inspector"
    CHIEF_INSPECTOR = 40, "Chief Inspector"
    SUPERINTENDENT = 50, "Superintendent"
    CHIEF_SUPERINTENDENT = 60, "Chief Superintendent"
    ASSISTANT_CHIEF_CONSTABLE = 70, "Assistant Chief Constable"
    DEPUTY_CHIEF_CONSTABLE = 80, "Deputy Chief Constable"
    CHIEF_CONSTABLE = 90, "Chief Constable"

    @classmethod
    def from_name(cls, name: str) -> "Rank":
        try:
            return cls[name.strip().upper().replace(" ", "_")]
        except KeyError:
            raise ValueError(f"unknown police rank {name!r}") from None


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(),
    exclude=["password", "last_login"],
)
class User(AbstractUser):
    """A person who signs in: a member of the oversight body or of exactly one force."""

    force = models.ForeignKey(Force, null=True, blank=True, on_delete=models.PROTECT, related_name="people")
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    rank = models.PositiveSmallIntegerField(choices=Rank.choices, null=True, blank=True)
    staff_number = models.CharField(max_length=20, blank=True, help_text="Collar or staff number.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="user_role_matches_organisation",
                condition=Q(role__in=[r.value for r in OVERSIGHT_ROLES], force__isnull=True)
                | Q(role__in=[r.value for r in FORCE_ROLES], force__isnull=False)
                | Q(role="", force__isnull=True),
            )
        ]

    @property
    def is_oversight(self) -> bool:
        return self.role in OVERSIGHT_ROLES

    @property
    def organisation(self) -> str:
        return self.force.name if self.force_id else "Oversight body"

    def describe(self) -> str:
        rank = f"{self.get_rank_display()} " if self.rank else ""
        return f"{rank}{self.get_full_name() or self.username} ({self.get_role_display() or 'no role'}, {self.organisation})"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LegalBasis(models.Model):
    """A legal basis in the register. Its code is stable; its wording lives in versions."""

    code = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "legal bases"

    def __str__(self) -> str:
        return self.code

    def version_at(self, when):
        return self.versions.filter(effective_from__lte=when).order_by("-effective_from", "-version").first()


class LegalBasisKind(models.TextChoices):
    POWER = "power", "Power or purpose that permits the processing"
    CONDITION = "condition", "Condition for sensitive processing"
    AIM = "aim", "Legitimate aim under Article 8(2)"
    PREREQUISITE = "prerequisite", "Prerequisite that must be in force"
    IMAGE_SOURCE = "image_source", "Lawful basis for holding the image"
    WARRANT = "warrant", "Court warrant or order"
    REFUSED = "refused", "Outside scope: always refused"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LegalBasisVersion(models.Model):
    legal_basis = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    meaning = models.TextField(max_length=bounds.TEXT, help_text="Plain-language meaning, as published.")
    kind = models.CharField(max_length=20, choices=LegalBasisKind.choices)
    source = models.CharField(max_length=200, blank=True, help_text="Statute, case or guidance.")
    effective_from = models.DateTimeField()
    reason = models.TextField(max_length=bounds.NOTE, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_basis__code", "-version"]
        constraints = [models.UniqueConstraint(fields=["legal_basis", "version"], name="legal_basis_version_unique")]

    def __str__(self) -> str:
        return f"{self.legal_basis.code} v{self.version}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PolicySetting(models.Model):
    """One version of one policy parameter, in force from `effective_from` until a later version.

    Records checked against a setting keep a foreign key to the exact version they were checked against.
    """

    key = models.CharField(max_length=80)
    version = models.PositiveIntegerField()
    value = models.JSONField()
    effective_from = models.DateTimeField()
    reason = models.TextField(max_length=bounds.NOTE, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="policy_setting_version_unique")]

    def __str__(self) -> str:
        return f"{self.key} v{self.version} = {self.value!r}"


class AuditEvent(models.Model):
    """One leaf of the append-only audit log (an RFC 9162 Merkle tree). The database refuses changes."""

    seq = models.BigIntegerField(unique=True, help_text="Leaf index in the Merkle tree, from 0.")
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=200)
    force = models.ForeignKey(Force, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    reason = models.TextField(max_length=bounds.TEXT, blank=True)
    leaf_hash = models.BinaryField(max_length=32)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["force", "seq"]), models.Index(fields=["object_type", "object_id"])]
        triggers = [
            pgtrigger.Protect(name="audit_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            pgtrigger.Trigger(
                name="audit_event_no_truncate", level=pgtrigger.Statement, when=pgtrigger.Before,
                operation=pgtrigger.Truncate,
                func="RAISE EXCEPTION 'the audit log is append-only: TRUNCATE refused'; RETURN NULL;",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditTile(models.Model):
    """The hash of one complete, aligned run of 2^height audit events (height 8 and up), kept when a checkpoint
    is signed so that an inclusion proof reads a few dozen hashes instead of the whole log. Derived data: a
    wrong tile only makes a proof fail to reach the signed root, it can never make a false proof pass."""

    height = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["height", "index"], name="audit_tile_unique")]
        triggers = [pgtrigger.Protect(name="audit_tile_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class Checkpoint(models.Model):
    """A signed statement of the audit log's size and root hash at one moment."""

    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    signed_at = models.DateTimeField()
    note = models.TextField(help_text="The exact text that was signed.")
    signature = models.BinaryField(max_length=64)
    key_id = models.CharField(max_length=16, help_text="First 8 bytes of SHA-256 of the public key, hex.")
    public_key = models.CharField(max_length=64, help_text="Ed25519 public key, hex (for reference only: "
                                                          "verification uses the keys pinned in configuration).")
    frontier = models.BinaryField(default=b"", blank=True,
                                  help_text="The tree's subtree hashes at this size, so the next checkpoint "
                                            "hashes only newer events.")

    class Meta:
        ordering = ["-tree_size", "-id"]
        get_latest_by = "id"
        triggers = [
            pgtrigger.Protect(name="checkpoint_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"checkpoint size {self.tree_size} at {self.signed_at:%Y-%m-%d %H:%M:%S}"
