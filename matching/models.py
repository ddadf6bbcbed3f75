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

EMBEDDING_SIZE = 128


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class FaceModel(models.Model):
    """One version of the face pipeline as deployed: what produced every template, search and alert."""

    algorithm = models.ForeignKey("deployments.AlgorithmVersion", on_delete=models.PROTECT, related_name="face_models")
    name = models.CharField(max_length=120)
    version = models.CharField(max_length=120)
    onnx_sha256 = models.CharField(max_length=64, unique=True)
    detector = models.CharField(max_length=120)
    detector_sha256 = models.CharField(max_length=64)
    licence = models.CharField(max_length=80)
    embedding_size = models.PositiveSmallIntegerField()
    thresholds = models.JSONField(help_text="Calibrated cosine thresholds, e.g. {'fmr_1e-3': 0.934}.")
    registered_at = models.DateTimeField(auto_now_add=True)

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
    note = models.TextField(blank=True)
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
    reason = models.TextField()
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
    """A force's searchable gallery (custody and missing-person images); scales to millions of rows."""

    force = models.ForeignKey("oversight.Force", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=GalleryKind.choices, default=GalleryKind.CUSTODY)
    subject_reference = models.CharField(max_length=64, help_text="Pseudonymous reference in the force's system.")
    source_system = models.CharField(max_length=80, default="PND")
    taken_on = models.DateField(null=True, blank=True)
    unconvicted = models.BooleanField(default=False)
    deletion_granted = models.BooleanField(default=False, help_text="A granted deletion application blocks use.")
    face_model = models.ForeignKey(FaceModel, on_delete=models.PROTECT, related_name="+")
    embedding = VectorField(dimensions=EMBEDDING_SIZE)
    # The photo itself, shown beside a probe so that a person can judge a candidate; empty for a gallery
    # loaded as templates only (then there is nothing to compare, and the page says so).
    image = models.FileField(upload_to=custody_image_path, max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

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


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class RfrSearch(models.Model):
    """A retrospective search (rule 19): probe source, crime reference, operator, list length, model, threshold."""

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


class CandidateStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Not yet reviewed"
    CORROBORATED = "corroborated", "Corroborated (identification)"
    REJECTED = "rejected", "Rejected"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class RfrCandidate(models.Model):
    search = models.ForeignKey(RfrSearch, on_delete=models.CASCADE, related_name="candidates")
    rank = models.PositiveSmallIntegerField()
    custody_image = models.ForeignKey(CustodyImage, on_delete=models.PROTECT, related_name="+")
    similarity = models.FloatField()
    status = models.CharField(max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.UNREVIEWED)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

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
    harm_declaration = models.TextField(blank=True)
    face_model = models.ForeignKey(FaceModel, on_delete=models.PROTECT, related_name="+")
    threshold = models.FloatField()
    matched = models.ForeignKey(CustodyImage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    similarity = models.FloatField(null=True, blank=True)
    faces_found = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class DeletionKind(models.TextChoices):
    WATCHLIST_TEMPLATE = "watchlist_template", "Watchlist template and image"
    ALERT_MEDIA = "alert_media", "Alert image and template"
    RFR_PROBE = "rfr_probe", "RFR probe image"
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
