"""The governance layer: deployments and their authorisations, assessments, policy documents and watchlists.

Business rules live in `deployments/rules.py`, writes in `services.py`, reads in `selectors.py`. Models hold
only field-level validity (a latitude is between -90 and 90); whether a record may be used is a rule.
"""
from __future__ import annotations

import uuid

import pghistory
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from deployments.geo import validate_polygon
from oversight import bounds
from oversight.models import Force, LegalBasis, PolicySetting, Rank, User



def tracked():
    """Row history for every governance model (fresh trackers each time: pghistory binds them to one model)."""
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


UNIT_INTERVAL = [MinValueValidator(0.0), MaxValueValidator(1.0)]


def validate_calibration(value) -> None:
    """[[threshold, false-match rate per comparison], ...]: thresholds rising, rates falling, both in (0, 1]."""
    if not isinstance(value, list) or not value:
        raise ValidationError("give at least one [threshold, false-match rate] pair")
    previous = None
    for pair in value:
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in pair)):
            raise ValidationError(f"{pair!r} is not a [threshold, false-match rate] pair of numbers")
        threshold, rate = pair
        if not 0 <= threshold <= 1 or not 0 < rate <= 1:
            raise ValidationError(f"{pair!r}: the threshold must be in [0, 1] and the rate in (0, 1]")
        if previous and (threshold <= previous[0] or rate > previous[1]):
            raise ValidationError("list thresholds in rising order; the false-match rate may not rise with them")
        previous = pair


@tracked()
class AlgorithmVersion(models.Model):
    """One version of one face-matching algorithm. Thresholds and bias tests belong to a version (rule 6)."""

    code = models.SlugField(max_length=60, unique=True, help_text="Stable identifier, e.g. 'nec-neoface-v4'.")
    vendor = models.CharField(max_length=120)
    name = models.CharField(max_length=120)
    version = models.CharField(max_length=40)
    embedding_size = models.PositiveIntegerField(null=True, blank=True, help_text="Blank if the vendor's is closed.")
    calibration = models.JSONField(
        validators=[validate_calibration],
        help_text="[[threshold, false-match rate per comparison], ...], used for expected false alerts.",
    )
    calibration_source = models.CharField(max_length=300, blank=True)
    calibration_pairs = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="How many impostor comparisons the calibration measured: a rate below one in this many is "
                  "extrapolated, not measured. Blank if the vendor's test report does not say.")
    # An external algorithm runs in a vendor's own system: the platform exports the authorised watchlist to it as
    # a signed package and holds what it reports to the same rules as its own matcher. Its figures are the ones
    # its independent test report (a bias-test policy document of each force) states.
    external = models.BooleanField(default=False, help_text="Runs in a vendor's own system, not in this platform.")
    operating_threshold = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL,
                                            help_text="The threshold the vendor operates the system at.")
    tested_threshold_min = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL,
                                             help_text="The lowest threshold the independent test covered.")
    tested_threshold_max = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL,
                                             help_text="The highest threshold the independent test covered.")
    tested_false_alert_rate = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="False alerts per face that passed the cameras, as the independent test measured them.")
    tested_watchlist_size = models.PositiveIntegerField(
        null=True, blank=True, help_text="The watchlist size at which the test measured that false-alert rate.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if not self.external:
            return
        errors = {name: "an external algorithm states this figure from its independent test report"
                  for name in ["operating_threshold", "tested_threshold_min", "tested_threshold_max",
                               "tested_false_alert_rate", "tested_watchlist_size"] if getattr(self, name) is None}
        if not errors and not (self.tested_threshold_min <= self.operating_threshold <= self.tested_threshold_max):
            errors["operating_threshold"] = "the operating threshold must lie within the range the test covered"
        if errors:
            raise ValidationError(errors)


class Kind(models.TextChoices):
    LFR = "lfr", "Live facial recognition"
    RFR = "rfr", "Retrospective facial recognition"
    OIFR = "oifr", "Operator-initiated facial recognition"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for authorisation"
    AUTHORISED = "authorised", "Authorised"
    URGENT_AUTHORISED = "urgent_authorised", "Authorised urgently, review pending"
    REFUSED = "refused", "Refused"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    STOPPED = "stopped", "Stopped"
    REVIEWED = "reviewed", "Reviewed after deployment"


@tracked()
class Deployment(models.Model):
    """One use of facial recognition by one force, from draft to post-deployment review."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="deployments")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.LFR)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    policing_objective = models.TextField(max_length=bounds.TEXT, blank=True)
    intelligence_case = models.TextField(max_length=bounds.TEXT, blank=True)
    watchlist_criteria = models.TextField(max_length=bounds.TEXT, blank=True,
                                          help_text="Who may be put on the watchlist, and why.")
    location_name = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    radius_m = models.PositiveIntegerField(null=True, blank=True,
                                           validators=[MinValueValidator(1), MaxValueValidator(50_000)])
    polygon = models.JSONField(null=True, blank=True, validators=[validate_polygon],
                               help_text="[[lon, lat], ...]: at least three corners.")
    location_justification = models.TextField(max_length=bounds.TEXT, blank=True,
                                              help_text="Why watchlisted people are expected there.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    algorithm_version = models.ForeignKey(AlgorithmVersion, on_delete=models.PROTECT, related_name="deployments")
    threshold = models.FloatField(validators=UNIT_INTERVAL)
    public_notice_plan = models.TextField(max_length=bounds.TEXT, blank=True)
    critical_threat_exemption = models.BooleanField(default=False)
    critical_threat_reason = models.TextField(max_length=bounds.TEXT, blank=True)
    # Covert use is always refused (rule 7); the flag exists so that a request for it is refused visibly.
    covert = models.BooleanField(default=False)
    legal_bases = models.ManyToManyField(LegalBasis, blank=True, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["force", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def clean(self) -> None:
        point = [self.latitude, self.longitude, self.radius_m]
        if any(v is not None for v in point) and not all(v is not None for v in point):
            missing = [name for name, v in zip(["latitude", "longitude", "radius_m"], point) if v is None]
            raise ValidationError({name: "a place is a latitude, a longitude and a radius: give all three"
                                   for name in missing})
        if self.polygon and all(v is not None for v in point):
            raise ValidationError({"polygon": "give either a point with a radius or a polygon, not both"})

    @property
    def has_place(self) -> bool:
        return bool(self.polygon) or self.latitude is not None


class AssetKind(models.TextChoices):
    VAN = "van", "LFR van"
    CAMERA = "camera", "Fixed or portable camera"


@tracked()
class Asset(models.Model):
    """Equipment booked for a deployment: a force's own or the national pool's (force left empty)."""

    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=AssetKind.choices)
    description = models.CharField(max_length=200)
    force = models.ForeignKey(Force, null=True, blank=True, on_delete=models.PROTECT, related_name="assets",
                              help_text="Empty for the national pool shared by every force.")
    # A national-pool van is allocated to one force or, jointly, to several (the 2025 national rollout); only they
    # may book it. A pool van allocated to nobody may be booked by any force.
    allocated_to = models.ManyToManyField(Force, blank=True, related_name="allocated_assets")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


@tracked()
class AssetBooking(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="bookings")
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="bookings")
    during = DateTimeRangeField()
    released_at = models.DateTimeField(null=True, blank=True)
    booked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "during"]
        constraints = [
            # The database itself refuses a double booking, whatever path the write takes.
            ExclusionConstraint(
                name="asset_booking_no_overlap",
                expressions=[("asset", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
                condition=Q(released_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} for {self.deployment_id}"

    @property
    def force(self):
        return self.deployment.force


class DocumentKind(models.TextChoices):
    DPIA = "dpia", "Data protection impact assessment"
    APD = "apd", "Appropriate policy document"
    EQIA = "eqia", "Equality impact assessment"
    SOP = "sop", "Standard operating procedure"
    BIAS_TEST = "bias_test", "Independent bias-test report"


def document_path(instance: "PolicyDocument", filename: str) -> str:
    suffix = ".pdf" if instance.content_type == "application/pdf" else ".txt"
    return f"policy-documents/{instance.force.code}/{uuid.uuid4().hex}{suffix}"


@tracked()
class PolicyDocument(models.Model):
    """A version of one of a force's policy documents (rules 1, 5, 25)."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="policy_documents")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=20)
    approved_on = models.DateField()
    next_review_on = models.DateField()
    published = models.BooleanField(default=False)
    file = models.FileField(upload_to=document_path, max_length=300)
    content_type = models.CharField(max_length=40, editable=False)
    # Bias-test reports only: what they cover and what they found.
    algorithm_version = models.ForeignKey(AlgorithmVersion, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="bias_tests")
    threshold_min = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL)
    threshold_max = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL)
    no_difference_from = models.FloatField(
        null=True, blank=True, validators=UNIT_INTERVAL,
        help_text="The threshold at and above which the test found no demographic difference.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["force", "kind", "-approved_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["force", "kind", "title", "version"],
                                               name="policy_document_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def clean(self) -> None:
        errors = {}
        if self.approved_on and self.next_review_on and self.next_review_on <= self.approved_on:
            errors["next_review_on"] = "the next review falls after the approval date"
        if self.kind == DocumentKind.BIAS_TEST:
            for name in ["algorithm_version", "threshold_min", "threshold_max", "no_difference_from"]:
                if getattr(self, name if name != "algorithm_version" else "algorithm_version_id") is None:
                    errors[name] = "a bias-test report says which algorithm version and thresholds it covers"
            if not errors and not (self.threshold_min <= self.no_difference_from <= self.threshold_max):
                errors["no_difference_from"] = "must lie within the threshold range the test covered"
        elif self.algorithm_version_id or self.threshold_min is not None or self.no_difference_from is not None:
            errors["kind"] = "only a bias-test report names an algorithm version and thresholds"
        if errors:
            raise ValidationError(errors)


@tracked()
class ProportionalityAssessment(models.Model):
    """Article 8 necessity and proportionality, per deployment; the approver's decision is recorded on it."""

    class Decision(models.TextChoices):
        PROPORTIONATE = "proportionate", "Necessary and proportionate"
        NOT_PROPORTIONATE = "not_proportionate", "Not shown to be necessary and proportionate"

    deployment = models.OneToOneField(Deployment, on_delete=models.PROTECT, related_name="assessment")
    legitimate_aim = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, related_name="+")
    strict_necessity = models.TextField(max_length=bounds.TEXT)
    alternatives_considered = models.TextField(max_length=bounds.TEXT,
                                               help_text="Less intrusive means considered, and why each was rejected.")
    expected_faces = models.PositiveIntegerField(help_text="Faces expected to pass the cameras during the window.")
    community_impact = models.TextField(max_length=bounds.TEXT, help_text="Community and equality impact.")
    # Community engagement, recorded as facts an approver and an auditor can check, not folded into one line.
    engagement_consulted = models.TextField(max_length=bounds.TEXT, blank=True,
                                            help_text="Who was consulted: groups, organisations, "
                                                      "representatives (or why no one was).")
    engagement_on = models.DateField("the consultation date", null=True, blank=True,
                                     help_text="When they were consulted.",
                                     validators=[bounds.PastDate(within_years=bounds.CONSULTATION_YEARS)])
    engagement_feedback = models.TextField(max_length=bounds.TEXT, blank=True,
                                           help_text="What they said, and what changed because of it.")
    collateral_intrusion = models.TextField(max_length=bounds.TEXT)
    conclusion = models.TextField(max_length=bounds.TEXT)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(max_length=bounds.TEXT, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Assessment for {self.deployment}"

    @property
    def force(self):
        return self.deployment.force


class ConsultedBody(models.TextChoices):
    ADVISORY_GROUP = "advisory_group", "Independent advisory group"
    LOCAL_COUNCIL = "local_council", "Local council"
    COMMUNITY = "community", "Community representatives"
    OTHER = "other", "Other group or organisation"


class Consultation(models.Model):
    """One meeting or exchange with the community about a deployment: who, when, and what they said.

    The approver reads every one before deciding; the public log says only that engagement took place and with
    what kinds of group, never names or words."""

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="consultations")
    body = models.CharField(max_length=20, choices=ConsultedBody.choices)
    name = models.CharField(max_length=200, help_text="Who exactly: the group, council or people consulted.")
    held_on = models.DateField("the date it was held",
                               validators=[bounds.PastDate(within_years=bounds.CONSULTATION_YEARS)])
    said = models.TextField("what they said", max_length=bounds.TEXT,
                            help_text="What they said, and what changed because of it.")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_body_display()} consulted on {self.held_on:%d %b %Y} about {self.deployment}"

    @property
    def force(self):
        return self.deployment.force


@tracked()
class WatchlistCategory(models.Model):
    """One category of a force's published closed list (rule 8). There is no 'of interest' category."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="watchlist_categories")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    public_description = models.TextField(max_length=bounds.NOTE)
    published = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["force", "position", "code"]
        verbose_name_plural = "watchlist categories"
        constraints = [models.UniqueConstraint(fields=["force", "code"], name="watchlist_category_unique")]

    def __str__(self) -> str:
        return self.name


@tracked()
class Watchlist(models.Model):
    """The watchlist built for one deployment (rule 10)."""

    deployment = models.OneToOneField(Deployment, on_delete=models.PROTECT, related_name="watchlist")
    built_at = models.DateTimeField(help_text="When its entries were extracted from the source systems.")
    changed_at = models.DateTimeField(help_text="Its last change; a review must come after it.")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review_notes = models.TextField(max_length=bounds.TEXT, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Watchlist for {self.deployment}"

    @property
    def force(self):
        return self.deployment.force


class SubjectKind(models.TextChoices):
    WANTED = "wanted", "Wanted person"
    SUSPECT = "suspect", "Suspect"
    OFFENDER = "offender", "Offender subject to conditions"
    MISSING = "missing", "Missing person"
    AT_RISK = "at_risk", "Person at risk"
    VICTIM = "victim", "Victim"
    WITNESS = "witness", "Witness"
    ASSOCIATE = "associate", "Associate"


class QualityCheck(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class DeletionStatus(models.TextChoices):
    NONE = "none", "No application"
    PENDING = "pending", "Application pending"
    GRANTED = "granted", "Deletion granted"
    REFUSED = "refused", "Deletion refused"


def entry_image_path(instance: "WatchlistEntry", filename: str) -> str:
    # The file name carries nothing about the person: a random name under the deployment.
    suffix = ".png" if filename.lower().endswith(".png") else ".jpg"
    return f"watchlists/{instance.watchlist.deployment_id}/{uuid.uuid4().hex}{suffix}"


pseudonymous_reference = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9/_-]{2,63}$",
    "a pseudonymous reference: 3 to 64 letters, digits, '-', '_' or '/', no names or spaces",
)


@tracked()
class WatchlistEntry(models.Model):
    """One person on a watchlist, with why they are on it and where their image comes from (rules 8-14).

    The face template is computed by the matcher and never stored here.
    """

    watchlist = models.ForeignKey(Watchlist, on_delete=models.PROTECT, related_name="entries")
    subject_reference = models.CharField(max_length=64, validators=[pseudonymous_reference])
    category = models.ForeignKey(WatchlistCategory, on_delete=models.PROTECT, related_name="entries")
    legal_bases = models.ManyToManyField(LegalBasis, related_name="+")
    subject_kind = models.CharField(max_length=12, choices=SubjectKind.choices)
    justification = models.TextField(max_length=bounds.NOTE,
                                     help_text="Why including this person is necessary and proportionate.")
    extra_justification = models.TextField(max_length=bounds.NOTE, blank=True)
    image = models.FileField(upload_to=entry_image_path, max_length=300)
    image_sha256 = models.CharField(max_length=64, editable=False)
    image_source_system = models.CharField(max_length=120)
    image_date = models.DateField("the image date", validators=[bounds.PastDate(earliest=bounds.PHOTOS_BEGIN)])
    quality_check = models.CharField(max_length=8, choices=QualityCheck.choices)
    quality_note = models.CharField(max_length=300, blank=True)
    under_18 = models.BooleanField(default=False)
    harm_justification = models.TextField(max_length=bounds.NOTE, blank=True,
                                          help_text="Under-18s: the significant risk of harm.")
    second_approver = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    second_approved_at = models.DateTimeField(null=True, blank=True)
    unconvicted = models.BooleanField(default=False)
    deletion_status = models.CharField(max_length=8, choices=DeletionStatus.choices, default=DeletionStatus.NONE)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["watchlist", "id"]
        verbose_name_plural = "watchlist entries"
        constraints = [models.UniqueConstraint(fields=["watchlist", "subject_reference"],
                                               name="watchlist_entry_subject_unique")]
        # Live matching skips these in every search; the index holds only the few with a granted deletion.
        indexes = [models.Index(fields=["watchlist"], condition=Q(deletion_status="granted"),
                                name="watchlist_entry_granted")]

    def __str__(self) -> str:
        return self.subject_reference

    @property
    def force(self):
        return self.watchlist.deployment.force


class AuthorisationKind(models.TextChoices):
    FULL = "full", "Authorisation"
    URGENT = "urgent", "Urgent authorisation"
    EXTENSION = "extension", "Extension of the window"


@tracked()
class Authorisation(models.Model):
    """A decision on a deployment, with the rule results and policy versions it was checked against."""

    class Decision(models.TextChoices):
        AUTHORISED = "authorised", "Authorised"
        REFUSED = "refused", "Refused"

    class UrgentReview(models.TextChoices):
        PENDING = "pending", "Review pending"
        CONFIRMED = "confirmed", "Confirmed on review"
        REFUSED = "refused", "Refused on review"
        LAPSED = "lapsed", "Not reviewed in time: stopped"

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="authorisations")
    kind = models.CharField(max_length=10, choices=AuthorisationKind.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    approver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approver_rank = models.PositiveSmallIntegerField(choices=Rank.choices, null=True)
    urgent = models.BooleanField(default=False)
    reasons = models.TextField(max_length=bounds.TEXT)
    decided_at = models.DateTimeField()
    # What exactly was authorised: the window, place and threshold at the time of the decision.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.JSONField()
    threshold = models.FloatField()
    algorithm_version = models.ForeignKey(AlgorithmVersion, on_delete=models.PROTECT, related_name="+")
    watchlist_size = models.PositiveIntegerField(null=True, blank=True)
    expected_false_alerts = models.FloatField(null=True, blank=True)
    rule_results = models.JSONField()
    policy_settings = models.ManyToManyField(PolicySetting, related_name="+")
    dpia = models.ForeignKey(PolicyDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    apd = models.ForeignKey(PolicyDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    eqia = models.ForeignKey(PolicyDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bias_test = models.ForeignKey(PolicyDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    urgent_review_due_at = models.DateTimeField(null=True, blank=True)
    urgent_review = models.CharField(max_length=10, choices=UrgentReview.choices, blank=True)
    urgent_reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    urgent_reviewer_rank = models.PositiveSmallIntegerField(choices=Rank.choices, null=True, blank=True)
    urgent_reviewed_at = models.DateTimeField(null=True, blank=True)
    urgent_review_reasons = models.TextField(max_length=bounds.TEXT, blank=True)

    class Meta:
        ordering = ["deployment", "decided_at", "id"]
        indexes = [models.Index(fields=["urgent_review", "urgent_review_due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_decision_display().lower()} for {self.deployment_id}"

    @property
    def force(self):
        return self.deployment.force


@tracked()
class PostDeploymentReview(models.Model):
    """The review after a deployment ends (rule 23)."""

    deployment = models.OneToOneField(Deployment, on_delete=models.PROTECT, related_name="review")
    outcomes_against_objective = models.TextField(max_length=bounds.TEXT)
    false_alerts = models.PositiveIntegerField()
    complaints = models.TextField(max_length=bounds.TEXT,
                                  help_text="Complaints received and how they were handled ('none' if none).")
    deletion_evidence = models.TextField(max_length=bounds.TEXT,
                                         help_text="Evidence that watchlist and alert data were deleted.")
    due_at = models.DateTimeField()
    reviewed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    rule_results = models.JSONField()
    policy_settings = models.ManyToManyField(PolicySetting, related_name="+")

    def __str__(self) -> str:
        return f"Review of {self.deployment}"

    @property
    def force(self):
        return self.deployment.force
