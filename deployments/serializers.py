"""API shapes. Output serializers read models; input serializers only parse types: services judge content."""
from __future__ import annotations

from rest_framework import serializers

from deployments import selectors
from deployments.models import (
    AlgorithmVersion, Asset, AssetBooking, Authorisation, DeletionStatus, Deployment, DocumentKind, Kind,
    PolicyDocument, PostDeploymentReview, ProportionalityAssessment, QualityCheck, SubjectKind, Watchlist,
    WatchlistCategory, WatchlistEntry,
)

Codes = serializers.SlugRelatedField


class AlgorithmVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlgorithmVersion
        fields = ["id", "code", "vendor", "name", "version", "embedding_size", "calibration", "calibration_source"]


class AlgorithmVersionInput(serializers.Serializer):
    code = serializers.SlugField(max_length=60)
    vendor = serializers.CharField(max_length=120)
    name = serializers.CharField(max_length=120)
    version = serializers.CharField(max_length=40)
    embedding_size = serializers.IntegerField(required=False, allow_null=True, default=None)
    calibration = serializers.JSONField()
    calibration_source = serializers.CharField(required=False, allow_blank=True, default="")


class AssetSerializer(serializers.ModelSerializer):
    force = Codes(slug_field="code", read_only=True)

    class Meta:
        model = Asset
        fields = ["id", "code", "kind", "description", "force"]


class AssetBookingSerializer(serializers.ModelSerializer):
    asset = Codes(slug_field="code", read_only=True)
    starts_at = serializers.DateTimeField(source="during.lower", read_only=True)
    ends_at = serializers.DateTimeField(source="during.upper", read_only=True)

    class Meta:
        model = AssetBooking
        fields = ["id", "asset", "deployment", "starts_at", "ends_at", "released_at"]


class WatchlistCategorySerializer(serializers.ModelSerializer):
    force = Codes(slug_field="code", read_only=True)

    class Meta:
        model = WatchlistCategory
        fields = ["id", "force", "code", "name", "public_description", "published", "position"]


class WatchlistCategoryInput(serializers.Serializer):
    code = serializers.CharField(max_length=60)
    name = serializers.CharField(max_length=120)
    public_description = serializers.CharField()
    published = serializers.BooleanField(default=True)
    position = serializers.IntegerField(default=0, min_value=0)


class PolicyDocumentSerializer(serializers.ModelSerializer):
    force = Codes(slug_field="code", read_only=True)
    algorithm_version = Codes(slug_field="code", read_only=True)

    class Meta:
        model = PolicyDocument
        fields = ["id", "force", "kind", "title", "version", "approved_on", "next_review_on", "published",
                  "content_type", "algorithm_version", "threshold_min", "threshold_max", "no_difference_from",
                  "created_at"]


class PolicyDocumentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = serializers.CharField(max_length=200)
    version = serializers.CharField(max_length=20)
    approved_on = serializers.DateField()
    next_review_on = serializers.DateField()
    published = serializers.BooleanField(default=False)
    file = serializers.FileField()
    algorithm_version = serializers.CharField(required=False, allow_null=True, default=None)
    threshold_min = serializers.FloatField(required=False, allow_null=True, default=None)
    threshold_max = serializers.FloatField(required=False, allow_null=True, default=None)
    no_difference_from = serializers.FloatField(required=False, allow_null=True, default=None)


class AssessmentSerializer(serializers.ModelSerializer):
    legitimate_aim = Codes(slug_field="code", read_only=True)
    expected_false_alerts = serializers.SerializerMethodField()

    class Meta:
        model = ProportionalityAssessment
        fields = ["id", "deployment", "legitimate_aim", "strict_necessity", "alternatives_considered",
                  "expected_faces", "expected_false_alerts", "community_impact", "collateral_intrusion",
                  "conclusion", "decision", "decision_reasons", "decided_by", "decided_at", "updated_at"]

    def get_expected_false_alerts(self, obj) -> float | None:
        return selectors.expected_false_alerts(deployment=obj.deployment).value


class AssessmentInput(serializers.Serializer):
    legitimate_aim = serializers.CharField(help_text="Register code of an Article 8(2) aim, e.g. HRA-A8-2-CRIME")
    strict_necessity = serializers.CharField(allow_blank=True)
    alternatives_considered = serializers.CharField(allow_blank=True)
    expected_faces = serializers.IntegerField(min_value=0)
    community_impact = serializers.CharField(allow_blank=True)
    collateral_intrusion = serializers.CharField(allow_blank=True)
    conclusion = serializers.CharField(allow_blank=True)


class AuthorisationSerializer(serializers.ModelSerializer):
    approver = serializers.StringRelatedField()
    algorithm_version = Codes(slug_field="code", read_only=True)
    policy_settings = serializers.SerializerMethodField()

    class Meta:
        model = Authorisation
        fields = ["id", "deployment", "kind", "decision", "approver", "approver_rank", "urgent", "reasons",
                  "decided_at", "starts_at", "ends_at", "place", "threshold", "algorithm_version", "watchlist_size",
                  "expected_false_alerts", "rule_results", "policy_settings", "dpia", "apd", "eqia", "bias_test",
                  "urgent_review_due_at", "urgent_review", "urgent_reviewer_rank", "urgent_reviewed_at",
                  "urgent_review_reasons"]

    def get_policy_settings(self, obj) -> list[dict]:
        return [{"id": s.pk, "key": s.key, "version": s.version, "value": s.value} for s in obj.policy_settings.all()]


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = PostDeploymentReview
        fields = ["id", "deployment", "outcomes_against_objective", "false_alerts", "complaints", "deletion_evidence",
                  "due_at", "reviewed_at", "reviewed_by", "rule_results"]


class DeploymentSerializer(serializers.ModelSerializer):
    force = Codes(slug_field="code", read_only=True)
    algorithm_version = Codes(slug_field="code", read_only=True)
    legal_bases = Codes(slug_field="code", many=True, read_only=True)
    bookings = serializers.SerializerMethodField()
    watchlist = serializers.SerializerMethodField()
    expected_false_alerts = serializers.SerializerMethodField()

    class Meta:
        model = Deployment
        fields = ["id", "force", "kind", "title", "status", "policing_objective", "intelligence_case",
                  "watchlist_criteria", "location_name", "latitude", "longitude", "radius_m", "polygon",
                  "location_justification", "starts_at", "ends_at", "algorithm_version", "threshold",
                  "public_notice_plan", "critical_threat_exemption", "critical_threat_reason", "covert",
                  "legal_bases", "bookings", "watchlist", "expected_false_alerts", "created_at", "submitted_at",
                  "activated_at", "ended_at"]

    def get_bookings(self, obj) -> list[dict]:
        return AssetBookingSerializer(obj.bookings.filter(released_at__isnull=True), many=True).data

    def get_watchlist(self, obj) -> dict | None:
        watchlist = selectors.watchlist_of(deployment=obj)
        if watchlist is None:
            return None
        return {"id": watchlist.pk, "composition": selectors.watchlist_composition(watchlist=watchlist)}

    def get_expected_false_alerts(self, obj) -> float | None:
        return selectors.expected_false_alerts(deployment=obj).value


class DeploymentInput(serializers.Serializer):
    force = serializers.CharField(required=False, help_text="Force code; your own force if left out.")
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.LFR)
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    algorithm_version = serializers.CharField()
    threshold = serializers.FloatField()
    policing_objective = serializers.CharField(required=False, allow_blank=True, default="")
    intelligence_case = serializers.CharField(required=False, allow_blank=True, default="")
    watchlist_criteria = serializers.CharField(required=False, allow_blank=True, default="")
    location_name = serializers.CharField(required=False, allow_blank=True, default="")
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    radius_m = serializers.IntegerField(required=False, allow_null=True, default=None)
    polygon = serializers.JSONField(required=False, allow_null=True, default=None)
    location_justification = serializers.CharField(required=False, allow_blank=True, default="")
    public_notice_plan = serializers.CharField(required=False, allow_blank=True, default="")
    critical_threat_exemption = serializers.BooleanField(required=False, default=False)
    critical_threat_reason = serializers.CharField(required=False, allow_blank=True, default="")
    covert = serializers.BooleanField(required=False, default=False)
    legal_bases = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    assets = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ReasonsInput(serializers.Serializer):
    reasons = serializers.CharField(allow_blank=True)


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class UrgentReviewInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("confirm", "confirm"), ("refuse", "refuse")])
    reasons = serializers.CharField(allow_blank=True)


class ExtendInput(serializers.Serializer):
    ends_at = serializers.DateTimeField()
    reasons = serializers.CharField(allow_blank=True)


class BookInput(serializers.Serializer):
    asset = serializers.CharField()


class ReviewInput(serializers.Serializer):
    outcomes_against_objective = serializers.CharField(allow_blank=True)
    false_alerts = serializers.IntegerField(min_value=0)
    complaints = serializers.CharField(allow_blank=True)
    deletion_evidence = serializers.CharField(allow_blank=True)


class WatchlistSerializer(serializers.ModelSerializer):
    composition = serializers.SerializerMethodField()

    class Meta:
        model = Watchlist
        fields = ["id", "deployment", "built_at", "changed_at", "reviewed_at", "reviewed_by", "review_notes",
                  "composition"]

    def get_composition(self, obj) -> dict:
        return selectors.watchlist_composition(watchlist=obj)


class NotesInput(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class WatchlistEntrySerializer(serializers.ModelSerializer):
    category = Codes(slug_field="code", read_only=True)
    legal_bases = Codes(slug_field="code", many=True, read_only=True)

    class Meta:
        model = WatchlistEntry
        fields = ["id", "watchlist", "subject_reference", "category", "legal_bases", "subject_kind", "justification",
                  "extra_justification", "image_sha256", "image_source_system", "image_date", "quality_check",
                  "quality_note", "under_18", "harm_justification", "second_approver", "second_approved_at",
                  "unconvicted", "deletion_status", "created_at"]


class WatchlistEntryInput(serializers.Serializer):
    watchlist = serializers.IntegerField()
    subject_reference = serializers.CharField(max_length=64)
    category = serializers.CharField(allow_blank=True)
    legal_bases = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices)
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    extra_justification = serializers.CharField(required=False, allow_blank=True, default="")
    image = serializers.FileField(required=False, allow_null=True, default=None)
    image_source_system = serializers.CharField(required=False, allow_blank=True, default="")
    image_date = serializers.DateField(required=False, allow_null=True, default=None)
    quality_check = serializers.ChoiceField(choices=QualityCheck.choices, required=False, allow_blank=True,
                                            default="")
    quality_note = serializers.CharField(required=False, allow_blank=True, default="")
    under_18 = serializers.BooleanField(required=False, default=False)
    harm_justification = serializers.CharField(required=False, allow_blank=True, default="")
    unconvicted = serializers.BooleanField(required=False, default=False)
    deletion_status = serializers.ChoiceField(choices=DeletionStatus.choices, default=DeletionStatus.NONE)


class DeletionStatusInput(serializers.Serializer):
    deletion_status = serializers.ChoiceField(choices=DeletionStatus.choices)
    reason = serializers.CharField()


class RemoveInput(serializers.Serializer):
    reason = serializers.CharField()
