from __future__ import annotations

from rest_framework import serializers

from oversight.models import AuditEvent, Checkpoint, Force, LegalBasis, LegalBasisKind, LegalBasisVersion, PolicySetting, User


class ForceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Force
        fields = ["id", "code", "name", "contact_email", "created_at"]


class UserSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="code", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    rank_display = serializers.CharField(source="get_rank_display", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "force", "role", "role_display", "rank",
                  "rank_display", "staff_number", "is_active"]


class LegalBasisVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalBasisVersion
        fields = ["version", "title", "meaning", "kind", "source", "effective_from", "reason"]


class LegalBasisSerializer(serializers.ModelSerializer):
    versions = LegalBasisVersionSerializer(many=True, read_only=True)

    class Meta:
        model = LegalBasis
        fields = ["code", "versions"]


class LegalBasisVersionInput(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    title = serializers.CharField(max_length=200)
    meaning = serializers.CharField()
    kind = serializers.ChoiceField(choices=LegalBasisKind.choices)
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    effective_from = serializers.DateTimeField(required=False)
    reason = serializers.CharField(required=True)


class PolicySettingSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicySetting
        fields = ["id", "key", "version", "value", "effective_from", "reason", "created_at"]


class PolicySettingInput(serializers.Serializer):
    key = serializers.CharField(max_length=80)
    value = serializers.JSONField()
    effective_from = serializers.DateTimeField(required=False)
    reason = serializers.CharField()


class AuditEventSerializer(serializers.ModelSerializer):
    leaf_hash = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["seq", "occurred_at", "actor_label", "force", "action", "object_type", "object_id", "object_repr",
                  "old", "new", "reason", "leaf_hash"]

    def get_leaf_hash(self, obj) -> str:
        return bytes(obj.leaf_hash).hex()


class CheckpointSerializer(serializers.ModelSerializer):
    root_hash = serializers.SerializerMethodField()
    signature = serializers.SerializerMethodField()

    class Meta:
        model = Checkpoint
        fields = ["id", "tree_size", "root_hash", "signed_at", "note", "signature", "key_id", "public_key"]

    def get_root_hash(self, obj) -> str:
        return bytes(obj.root_hash).hex()

    def get_signature(self, obj) -> str:
        return bytes(obj.signature).hex()
