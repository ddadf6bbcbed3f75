"""The matcher layer: face models, templates, live alerts, adjudication, RFR and OIFR searches, retention.

Imports flow one way: this layer reads `deployments` (governance) and `oversight` (ground); neither of
them imports it. A template of a face that matched nothing is never stored here or anywhere else.
"""
from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from pgvector.django import HnswIndex, VectorField

from oversight import bounds

EMBEDDING_SIZE = 128


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class FaceModel(models.Model):
    """One version of the face pipeline as deployed: what produced every template, search and alert."""

    algorithm = models.ForeignKey("deployments.AlgorithmVersion", on_delete=models.PROTECT, related_name="face_models")
    name = models.CharField(max_length=120)
    version = models.CharField(max_length=120)
    # The same file may be registered under two algorithm versions (a built-in one, and a force's licence for it).
    onnx_sha256 = models.CharField(max_length=64)
    template = models.CharField(
        max_length=20, choices=[("dlib150", "dlib 150 px, 5 points"), ("arcface112", "ArcFace 112 px, 5 points")],
        default="dlib150", help_text="How faces are cut out and fed to the embedder.")
    path = models.CharField(max_length=500, blank=True,
                            help_text="Where an installed model's ONNX file is kept; blank for a built-in model.")
    detector = models.CharField(max_length=120)
    detector_sha256 = models.CharField(max_length=64)
    licence = models.CharField(max_length=80)
    embedding_size = models.PositiveSmallIntegerField()
    thresholds = models.JSONField(help_text="Calibrated cosine thresholds, e.g. {'fmr_1e-3': 0.934}.")
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["algorithm", "onnx_sha256"],
                                               name="face_model_one_file_per_algorithm")]

    def __str__(self) -> str:
        return f"{self.name} {self.version} ({self.onnx_sha256[:12]})"


class WatchlistTemplate(models.Model):
    """The face template of one watchlist entry; deleted within the retention period after the deployment."""

    entry = models.OneToOneField("deployments.WatchlistEntry", on_delete=models.CASCADE, related_name="template")
    # Watchlists are thousands of rows: an exact scan filtered by this foreign key's B-tree has recall 1.0.
    deployment = models.ForeignKey("deployments.Deployment", on_delete=models.CASCADE, related_name="+")
    face_model = models.ForeignKey(FaceModel, on_delete=models.PROTECT, related_name="+")
    embedding = VectorField(dimensions=EMBEDDING_SIZE)
    quality = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)


class Device(models.Model):
    """A camera or van that may send frames for exactly one deployment. Only a hash of its token is kept."""

    deployment = models.ForeignKey("deployments.Deployment", on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=120)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class FrameReceipt(models.Model):
    """A frame or template a device already sent, by the device's own id for it, with what it gave: a retried
    request is answered with the first result and is not counted again. Only counts and alert ids are kept."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    frame_id = models.CharField(max_length=100)
    faces = models.PositiveIntegerField(default=0)
    alerts = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "frame_id"], name="frame_receipt_once_per_device")]


class FacesProcessed(models.Model):
    """How many faces were compared and discarded, per deployment and minute: the evidence of deletion."""

    deployment = models.ForeignKey("deployments.Deployment", on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    faces = models.PositiveIntegerField(default=0)
    alerts = models.PositiveIntegerField(default=0)
    discarded = models.PositiveIntegerField(default=0, help_text="Templates discarded at once (no match).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deployment", "minute"], name="faces_processed_per_minute")]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class VendorPackage(models.Model):
    """The authorised watchlist exported, signed, for an external (vendor) matcher: which entries it holds, the
    SHA-256 digest of its bytes and the platform's signature over it. The bytes themselves are not kept: they
    are built again, identically, from the entries on each download. The vendor's confirmation that it deleted
    its copy after the deployment is the retention evidence (rule 20)."""

    deployment = models.ForeignKey("deployments.Deployment", on_delete=models.PROTECT, related_name="vendor_packages")
    algorithm = models.ForeignKey("deployments.AlgorithmVersion", on_delete=models.PROTECT, related_name="+")
    entries = models.JSONField(help_text="The ids of the watchlist entries the package holds.")
    references = models.JSONField(help_text="Their subject references, as the vendor's alerts name them.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the package's bytes, hex.")
    signature = models.CharField(max_length=128, help_text="Ed25519 signature over the digest, hex.")
    public_key = models.CharField(max_length=64, help_text="The platform's package-signing public key, hex.")
    size = models.PositiveIntegerField(help_text="Bytes.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    deletion_confirmed_at = models.DateTimeField(null=True, blank=True)
    deletion_confirmed_by = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL,
                                              related_name="+")
    deletion_statement = models.TextField(max_length=bounds.NOTE, blank=True)

    class Meta:
        ordering = ["deployment", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"watchlist package {self.digest[:12]}"


class AlertStatus(models.TextChoices):
    NEW = "new", "Awaiting decision"
    ADJUDICATED = "adjudicated", "Decided"
    ENGAGED = "engaged", "Engagement recorded"


# History never copies the template: it must go with the alert's image when the retention period ends.
@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), exclude=["embedding"])
class Alert(models.Model):
    """A face at or above the deployment's threshold (rule 16: everything needed to account for it)."""

    deployment = models.ForeignKey("deployments.Deployment", on_delete=models.PROTECT, related_name="alerts")
    entry = models.ForeignKey("deployments.WatchlistEntry", on_delete=models.PROTECT, related_name="alerts")
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    face_model = models.ForeignKey(FaceModel, on_delete=models.PROTECT, related_name="+")
    similarity = models.FloatField()
    threshold = models.FloatField(help_text="The deployment's threshold when the alert was raised.")
    captured_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.NEW)
    crop = models.FileField(upload_to="alerts/%Y/%m/%d/", blank=True)
    embedding = VectorField(dimensions=EMBEDDING_SIZE, null=True, blank=True)
    media_deleted_at = models.DateTimeField(null=True, blank=True)
    # An alert an external matcher reported: the signed package it matched against (it has no template here).
    package = models.ForeignKey(VendorPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")

    class Meta:
        indexes = [models.Index(fields=["deployment", "status"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"alert {self.pk} ({self.similarity:.3f})"


class Decision(models.TextChoices):
    TRUE_MATCH = "true_match", "True match"
    FALSE_ALERT = "false_alert", "False alert"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class Adjudication(models.Model):
    """An officer's decision on an alert (rule 15: every alert, before any engagement)."""

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="adjudication")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    note = models.TextField(max_length=bounds.NOTE, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(
            name="false_alert_has_note", condition=~Q(decision="false_alert") | ~Q(note=""))]


class Outcome(models.TextChoices):
    NOT_STOPPED = "not_stopped", "Not stopped"
    SPOKEN_TO = "spoken_to", "Spoken to"
    CONDITIONS_CHECKED = "conditions_checked", "Conditions checked"
    ARRESTED = "arrested", "Arrested"
    SAFEGUARDED = "safeguarded", "Safeguarded"


class ArrestReason(models.TextChoices):
    """Why a person was arrested, as forces publish their arrests (the Met's annual LFR report)."""

    WANTED_BY_COURT = "wanted_by_court", "Wanted by a court"
    SUSPECTED_OFFENCE = "suspected_offence", "Suspected of an offence"
    BREACH_OF_CONDITIONS = "breach_of_conditions", "Breach of bail, court-order or licence conditions"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class Engagement(models.Model):
    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="engagement")
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    # Blank for every outcome but an arrest; blank on an arrest recorded before reasons were asked for.
    arrest_reason = models.CharField(max_length=24, choices=ArrestReason.choices, blank=True, default="")
    duration_minutes = models.PositiveIntegerField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(
            name="arrest_reason_only_for_an_arrest", condition=Q(outcome="arrested") | Q(arrest_reason=""))]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class LegalHold(models.Model):
    """Keeps an alert's image and template past the retention period, with a reason and a reference."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="holds")
    reason = models.TextField(max_length=bounds.NOTE)
    reference = models.CharField(max_length=80)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)


class GalleryKind(models.TextChoices):
    CUSTODY = "custody", "Custody image"
    MISSING = "missing", "Missing person"


def custody_image_path(instance: "CustodyImage", filename: str) -> str:
    # A random name: the file name says nothing about the person.
    return f"gallery/{instance.force_id}/{uuid.uuid4().hex}{'.png' if filename.endswith('.png') else '.jpg'}"


class CustodyImage(models.Model):
    """A force's searchable gallery (custody and missing-person images); scales to millions of rows.

    The force that took an image owns it: its retention rules and its deletions. The table is partitioned by
    force in the database (PostgreSQL list partitions, one HNSW index each; migration
    `custody_gallery_partitioned_by_force`), so a force's own search reads one partition and a national
    search merges the top of each. The primary key in the database is (id, force): `id` alone stays unique
    (one identity sequence) and is what every other record refers to.
    """

    force = models.ForeignKey("oversight.Force", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=GalleryKind.choices, default=GalleryKind.CUSTODY)
    subject_reference = models.CharField(max_length=64, help_text="Pseudonymous reference in the force's system.")
    source_system = models.CharField(max_length=80, default="PND")
    taken_on = models.DateField("the date the photo was taken", null=True, blank=True,
                                validators=[bounds.PastDate(earliest=bounds.PHOTOS_BEGIN)])
    unconvicted = models.BooleanField(default=False)
    deletion_granted = models.BooleanField(default=False, help_text="A granted deletion application blocks use.")
    face_model = models.ForeignKey(FaceModel, on_delete=models.PROTECT, related_name="+")
    # Empty once the image is deleted: the row stays as the record that searches and checks point to.
    embedding = VectorField(dimensions=EMBEDDING_SIZE, null=True, blank=True)
    # The photo itself, shown beside a probe so that a person can judge a candidate; empty for a gallery
    # loaded as templates only (then there is nothing to compare, and the page says so).
    image = models.FileField(upload_to=custody_image_path, max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            HnswIndex(name="custody_embedding_hnsw", fields=["embedding"], m=32, ef_construction=128,
                      opclasses=["vector_ip_ops"]),
            models.Index(fields=["force", "kind"]),
        ]


class ProbeSource(models.TextChoices):
    CCTV = "cctv", "CCTV"
    DOORBELL = "doorbell", "Doorbell camera"
    PHONE = "phone", "Phone (witness or victim)"
    SOCIAL_MEDIA = "social_media", "Social media"
    OTHER = "other", "Other"


class SearchScope(models.TextChoices):
    LOCAL = "local", "Own force's custody images"
    NATIONAL = "national", "Every force's custody images (national search)"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class RfrSearch(models.Model):
    """A retrospective search (rule 19): probe source, crime reference, operator, list length, model, threshold.

    A national search also records its purpose and the officer who authorised it."""

    force = models.ForeignKey("oversight.Force", on_delete=models.PROTECT, related_name="+")
    deployment = models.ForeignKey("deployments.Deployment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="rfr_searches")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    crime_reference = models.CharField(max_length=60)
    probe_source = models.CharField(max_length=20, choices=ProbeSource.choices)
    candidate_list_length = models.PositiveSmallIntegerField()
    face_model = models.ForeignKey(FaceModel, on_delete=models.PROTECT, related_name="+")
    threshold = models.FloatField()
    probe = models.FileField(upload_to="rfr/%Y/%m/%d/", blank=True)
    probe_deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    scope = models.CharField(max_length=10, choices=SearchScope.choices, default=SearchScope.LOCAL)
    national_purpose = models.TextField(max_length=bounds.NOTE, blank=True)
    authorised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")


class NationalSearchNotice(models.Model):
    """Tells a force that another force's national search returned its custody images (one per force and search)."""

    search = models.ForeignKey(RfrSearch, on_delete=models.PROTECT, related_name="notices")
    owning_force = models.ForeignKey("oversight.Force", on_delete=models.PROTECT, related_name="+")
    candidates = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["search", "owning_force"], name="national_notice_once")]
        indexes = [models.Index(fields=["owning_force", "created_at"])]


class CandidateStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Not yet reviewed"
    CORROBORATED = "corroborated", "Corroborated (identification)"
    REJECTED = "rejected", "Rejected"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class RfrCandidate(models.Model):
    search = models.ForeignKey(RfrSearch, on_delete=models.CASCADE, related_name="candidates")
    rank = models.PositiveSmallIntegerField()
    # The gallery is partitioned by force, so PostgreSQL cannot enforce a key on `id` alone: Django's PROTECT
    # guards it, and gallery rows are never deleted (a deleted image keeps its row, emptied).
    custody_image = models.ForeignKey(CustodyImage, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    similarity = models.FloatField()
    status = models.CharField(max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.UNREVIEWED)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(max_length=bounds.NOTE, blank=True)

    class Meta:
        ordering = ["search", "rank"]
        constraints = [models.UniqueConstraint(fields=["search", "rank"], name="rfr_candidate_rank_unique")]


class OifrReason(models.TextChoices):
    UNABLE = "unable", "Unable to give identity"
    REFUSES = "refuses", "Refuses to give identity"
    FALSE_DETAILS = "false_details", "Suspected of giving false details"
    DECEASED = "deceased", "Deceased"
    UNCONSCIOUS = "unconscious", "Unconscious"


class OifrSubjectCategory(models.TextChoices):
    MISSING = "missing", "Missing"
    AT_RISK = "at_risk", "At risk"
    WANTED = "wanted", "Wanted"


class PlaceType(models.TextChoices):
    PUBLIC = "public", "Public place"
    HOME = "home", "Home"
    SCHOOL = "school", "School"
    MEDICAL = "medical", "Medical facility"
    WORSHIP = "worship", "Place of worship"
    OTHER_PRIVATE = "other_private", "Other private place"


PRIVATE_PLACES = (PlaceType.HOME, PlaceType.SCHOOL, PlaceType.MEDICAL, PlaceType.WORSHIP, PlaceType.OTHER_PRIVATE)


@pghistory.track(pghistory.InsertEvent())
class OifrCheck(models.Model):
    """An officer's identity check (rule 18). The photo and its template are never kept."""

    force = models.ForeignKey("oversight.Force", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=OifrReason.choices)
    subject_category = models.CharField(max_length=12, choices=OifrSubjectCategory.choices)
    place_type = models.CharField(max_length=16, choices=PlaceType.choices)
    harm_declaration = models.TextField(max_length=bounds.NOTE, blank=True)
    face_model = models.ForeignKey(FaceModel, on_delete=models.PROTECT, related_name="+")
    threshold = models.FloatField()
    matched = models.ForeignKey(CustodyImage, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                db_constraint=False)  # see RfrCandidate.custody_image
    similarity = models.FloatField(null=True, blank=True)
    faces_found = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class DeletionKind(models.TextChoices):
    WATCHLIST_TEMPLATE = "watchlist_template", "Watchlist template and image"
    ALERT_MEDIA = "alert_media", "Alert image and template"
    RFR_PROBE = "rfr_probe", "RFR probe image"
    VENDOR_PACKAGE = "vendor_package", "Watchlist package held by an external matcher"
    CUSTODY_IMAGE = "custody_image", "Custody image and template"
    COMPLAINT_PERSONAL_DATA = "complaint_personal", "Complainant's contact details and words"


class Deletion(models.Model):
    """Evidence that biometric data was deleted, and when it was due (rule 22)."""

    kind = models.CharField(max_length=24, choices=DeletionKind.choices)
    force = models.ForeignKey("oversight.Force", on_delete=models.PROTECT, related_name="+")
    deployment = models.ForeignKey("deployments.Deployment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField()
    policy_setting = models.ForeignKey("oversight.PolicySetting", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["force", "kind", "done_at"])]

    @property
    def on_time(self) -> bool:
        return self.done_at <= self.due_at


class VideoFeedStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class VideoFeed(models.Model):
    """A video file played as a camera feed (demonstration and testing), processed by a Celery task."""

    deployment = models.ForeignKey("deployments.Deployment", on_delete=models.CASCADE, related_name="video_feeds")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="feeds/")
    status = models.CharField(max_length=10, choices=VideoFeedStatus.choices, default=VideoFeedStatus.QUEUED)
    frames_total = models.PositiveIntegerField(default=0)
    frames_done = models.PositiveIntegerField(default=0)
    faces = models.PositiveIntegerField(default=0)
    alerts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # When the last frame's results were committed (with frames_done, in the same transaction): the
    # watchdog fails a running feed whose progress stopped and that no worker holds.
    progress_at = models.DateTimeField(null=True, blank=True)
    # How many times the watchdog sent a stalled feed back to the queue (its message was lost with its worker).
    resumes = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    @property
    def percent(self) -> int:
        return int(100 * self.frames_done / self.frames_total) if self.frames_total else 0
