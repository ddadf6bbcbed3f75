"""The ground layer's API. Every queryset comes from a selector; every write goes through a service."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from oversight import selectors, services
from oversight.audit import checkpoints, proofs
from oversight.serializers import (
    AuditEventSerializer, CheckpointSerializer, ForceSerializer, LegalBasisSerializer, LegalBasisVersionInput,
    LegalBasisVersionSerializer, PolicySettingInput, PolicySettingSerializer, UserSerializer,
)


class ForceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ForceSerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.force_list(user=self.request.user)


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer

    def get_queryset(self):
        return selectors.user_list(user=self.request.user).order_by("username")


class LegalBasisViewSet(viewsets.ReadOnlyModelViewSet):
    """The published legal-basis register. The oversight admin adds versions with POST."""

    serializer_class = LegalBasisSerializer
    lookup_field = "code"
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        return selectors.legal_basis_list()

    @extend_schema(request=LegalBasisVersionInput, responses={201: LegalBasisVersionSerializer})
    def create(self, request):
        data = LegalBasisVersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.legal_basis_version_add(actor=request.user, **data.validated_data)
        return Response(LegalBasisVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class PolicySettingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PolicySettingSerializer

    def get_queryset(self):
        return selectors.policy_setting_list(user=self.request.user)

    @extend_schema(request=PolicySettingInput, responses={201: PolicySettingSerializer})
    def create(self, request):
        data = PolicySettingInput(data=request.data)
        data.is_valid(raise_exception=True)
        setting = services.policy_setting_version_add(actor=request.user, **data.validated_data)
        return Response(PolicySettingSerializer(setting).data, status=status.HTTP_201_CREATED)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    lookup_field = "seq"

    def get_queryset(self):
        return selectors.audit_event_list(user=self.request.user)

    @extend_schema(responses={200: OpenApiTypes.OBJECT},
                   parameters=[OpenApiParameter("size", int, description="Tree size of the checkpoint (latest if omitted)")])
    @action(detail=True, methods=["get"])
    def proof(self, request, seq=None):
        """Inclusion proof of this event in a signed checkpoint, checkable with oversight/audit/offline.py."""
        event = self.get_object()
        size = request.query_params.get("size")
        try:
            return Response(proofs.inclusion_document(event.seq, tree_size=int(size) if size else None))
        except ValueError as exc:
            raise ValidationError({"size": str(exc)}) from None


class CheckpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Signed checkpoints are public: anyone can hold the log to them."""

    serializer_class = CheckpointSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return selectors.checkpoint_list()

    @action(detail=False, methods=["get"])
    def latest(self, request):
        checkpoint = self.get_queryset().order_by("-tree_size", "-id").first()
        if checkpoint is None:
            raise NotFound("no checkpoint has been signed yet")
        return Response(self.get_serializer(checkpoint).data)


class ConsistencyProofView(APIView):
    """Proof that the log at size `to` extends the log at size `from` unchanged."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, parameters=[
        OpenApiParameter("from", int, required=True), OpenApiParameter("to", int, required=True)])
    def get(self, request):
        sizes, errors = {}, {}
        for name in ("from", "to"):
            try:
                sizes[name] = int(request.query_params[name])
            except (KeyError, ValueError):
                errors[name] = [f"give '{name}' as a whole number (a tree size of the log)"]
        if errors:
            raise ValidationError(errors)
        old, new = sizes["from"], sizes["to"]
        try:
            return Response(proofs.consistency_document(old, new))
        except proofs.ProofUnavailable as exc:
            raise ValidationError({"to": str(exc)}) from None


class PublicKeyView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"algorithm": "Ed25519", "public_key": checkpoints.public_key_hex(),
                         "key_id": checkpoints.key_id()})
