"""The governance layer's API. Querysets come from selectors (another force's object is a 404); every
write and every transition is one service call. A refusal by the rules answers 400 (409 for an action
the deployment's state does not allow) with the rule identifiers in `rules`.
"""
from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from deployments import files, rules, selectors, services
from deployments import serializers as s
from oversight.api import exception_handler as ground_exception_handler
from oversight.models import Force
from oversight.permissions import AUTHORISE, can, forces_visible_to


def exception_handler(exc, context):
    if isinstance(exc, rules.RuleError):
        body = dict(exc.message_dict)
        body["rules"] = exc.rule_ids
        body["violations"] = [v.as_dict() for v in exc.violations]
        return Response(body, status=exc.status_code)
    return ground_exception_handler(exc, context)


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _force(user, code: str | None) -> Force:
    if not code:
        if user.force_id is None:
            raise ValidationError({"force": "say which force this is for"})
        return user.force
    force = forces_visible_to(user).filter(code=code).first()
    if force is None:
        raise ValidationError({"force": f"no force {code!r} that you can see"})
    return force


class GovernanceViewSet(viewsets.GenericViewSet):
    def get_exception_handler(self):
        return exception_handler


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, GovernanceViewSet):
    pass


class AlgorithmVersionViewSet(ReadOnly):
    serializer_class = s.AlgorithmVersionSerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.algorithm_version_list()

    @extend_schema(request=s.AlgorithmVersionInput, responses={201: s.AlgorithmVersionSerializer})
    def create(self, request):
        data = _valid(s.AlgorithmVersionInput, request.data)
        algorithm = services.algorithm_version_create(actor=request.user, **data)
        return Response(s.AlgorithmVersionSerializer(algorithm).data, status=status.HTTP_201_CREATED)


class AssetViewSet(ReadOnly):
    serializer_class = s.AssetSerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.asset_list(user=self.request.user)


class AssetBookingViewSet(ReadOnly):
    serializer_class = s.AssetBookingSerializer
    filterset_fields = ["deployment"]

    def get_queryset(self):
        return selectors.asset_booking_list(user=self.request.user)

    @extend_schema(request=None, responses={200: s.AssetBookingSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        booking = services.deployment_asset_release(actor=request.user, booking=self.get_object(),
                                                    reason=str(request.data.get("reason", "")))
        return Response(s.AssetBookingSerializer(booking).data)


class WatchlistCategoryViewSet(ReadOnly):
    serializer_class = s.WatchlistCategorySerializer

    def get_queryset(self):
        return selectors.watchlist_category_list(user=self.request.user)

    @extend_schema(request=s.WatchlistCategoryInput, responses={201: s.WatchlistCategorySerializer})
    def create(self, request):
        data = _valid(s.WatchlistCategoryInput, request.data)
        category = services.watchlist_category_create(actor=request.user, force=_force(request.user,
                                                                                      request.data.get("force")),
                                                      **data)
        return Response(s.WatchlistCategorySerializer(category).data, status=status.HTTP_201_CREATED)


class PolicyDocumentViewSet(ReadOnly):
    serializer_class = s.PolicyDocumentSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        return selectors.policy_document_list(user=self.request.user)

    @extend_schema(request=s.PolicyDocumentInput, responses={201: s.PolicyDocumentSerializer})
    def create(self, request):
        data = _valid(s.PolicyDocumentInput, request.data)
        doc = services.policy_document_add(actor=request.user, force=_force(request.user, request.data.get("force")),
                                           **data)
        return Response(s.PolicyDocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        doc = self.get_object()
        if not doc.file:
            raise NotFound(f"policy document {doc.pk} has no file")
        # Always a download, never shown inline: a document is a file to keep, not a page of this site.
        suffix = ".pdf" if doc.content_type == "application/pdf" else ".txt"
        return FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True,
                            filename=slugify(f"{doc.title} {doc.version}") + suffix)


class AuthorisationViewSet(ReadOnly):
    serializer_class = s.AuthorisationSerializer
    filterset_fields = ["deployment", "decision", "urgent"]

    def get_queryset(self):
        return selectors.authorisation_list(user=self.request.user).prefetch_related("policy_settings")


class AssessmentViewSet(ReadOnly):
    serializer_class = s.AssessmentSerializer
    filterset_fields = ["deployment"]

    def get_queryset(self):
        return selectors.assessment_list(user=self.request.user)


class ReviewViewSet(ReadOnly):
    serializer_class = s.ReviewSerializer

    def get_queryset(self):
        return selectors.review_list(user=self.request.user)


class DeploymentViewSet(ReadOnly):
    """Deployments and their life: each transition is a POST action on the deployment."""

    serializer_class = s.DeploymentSerializer
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        return selectors.deployment_list(user=self.request.user).prefetch_related("legal_bases")

    def _answer(self, deployment, code=status.HTTP_200_OK):
        deployment = self.get_queryset().get(pk=deployment.pk)
        return Response(s.DeploymentSerializer(deployment).data, status=code)

    def _decision(self, authorisation):
        return Response(s.AuthorisationSerializer(authorisation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DeploymentInput, responses={201: s.DeploymentSerializer})
    def create(self, request):
        data = _valid(s.DeploymentInput, request.data)
        force = _force(request.user, data.pop("force", None))
        deployment = services.deployment_create(actor=request.user, force=force,
                                                legal_basis_codes=data.pop("legal_bases"),
                                                asset_codes=data.pop("assets"), **data)
        return self._answer(deployment, status.HTTP_201_CREATED)

    @extend_schema(request=s.DeploymentInput, responses={200: s.DeploymentSerializer})
    def partial_update(self, request, pk=None):
        deployment = self.get_object()
        changes = _valid(s.DeploymentInput, request.data, partial=True)
        changes.pop("force", None)
        if "assets" in changes:
            raise ValidationError({"assets": "book equipment with POST .../book/"})
        if "legal_bases" in changes:
            changes["legal_basis_codes"] = changes.pop("legal_bases")
        return self._answer(services.deployment_update(actor=request.user, deployment=deployment, changes=changes))

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def check(self, request, pk=None):
        """Every rule's result as the requester would meet it when deciding (rank included for approvers)."""
        deployment = self.get_object()
        approver = request.user if can(request.user, AUTHORISE, deployment.force) else None
        result = rules.check_authorisation(deployment, approver=approver)
        return Response({"rules": result.as_json(), "blocking": [v.as_dict() for v in result.blocking],
                         "warnings": [v.as_dict() for v in result.warnings],
                         "expected_false_alerts": selectors.expected_false_alerts(deployment=deployment).value})

    @extend_schema(request=None, responses={200: s.DeploymentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(services.deployment_submit(actor=request.user, deployment=self.get_object()))

    @extend_schema(request=s.WithdrawInput, responses={200: s.DeploymentSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        deployment = self.get_object()
        data = _valid(s.WithdrawInput, request.data)
        return self._answer(services.deployment_withdraw(actor=request.user, deployment=deployment, **data))

    @extend_schema(request=s.ReasonsInput, responses={201: s.AuthorisationSerializer})
    @action(detail=True, methods=["post"])
    def authorise(self, request, pk=None):
        deployment = self.get_object()
        data = _valid(s.ReasonsInput, request.data)
        return self._decision(services.deployment_authorise(actor=request.user, deployment=deployment, **data))

    @extend_schema(request=s.ReasonsInput, responses={201: s.AuthorisationSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        deployment = self.get_object()
        data = _valid(s.ReasonsInput, request.data)
        return self._decision(services.deployment_refuse(actor=request.user, deployment=deployment, **data))

    @extend_schema(request=s.ReasonsInput, responses={201: s.AuthorisationSerializer})
    @action(detail=True, methods=["post"], url_path="urgent-authorise")
    def urgent_authorise(self, request, pk=None):
        deployment = self.get_object()
        data = _valid(s.ReasonsInput, request.data)
        return self._decision(services.deployment_urgent_authorise(actor=request.user, deployment=deployment,
                                                                   **data))

    @extend_schema(request=s.UrgentReviewInput, responses={200: s.AuthorisationSerializer})
    @action(detail=True, methods=["post"], url_path="urgent-review")
    def urgent_review(self, request, pk=None):
        deployment = self.get_object()
        data = _valid(s.UrgentReviewInput, request.data)
        auth = services.deployment_urgent_review(actor=request.user, deployment=deployment,
                                                 confirm=data["decision"] == "confirm", reasons=data["reasons"])
        return Response(s.AuthorisationSerializer(auth).data)

    @extend_schema(request=None, responses={200: s.DeploymentSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return self._answer(services.deployment_activate(actor=request.user, deployment=self.get_object()))

    @extend_schema(request=None, responses={200: s.DeploymentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        return self._answer(services.deployment_end(actor=request.user, deployment=self.get_object()))

    @extend_schema(request=s.ExtendInput, responses={201: s.AuthorisationSerializer})
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        deployment = self.get_object()
        data = _valid(s.ExtendInput, request.data)
        return self._decision(services.deployment_extend(actor=request.user, deployment=deployment, **data))

    @extend_schema(request=s.ReviewInput, responses={201: s.ReviewSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        deployment = self.get_object()
        data = _valid(s.ReviewInput, request.data)
        review = services.deployment_review(actor=request.user, deployment=deployment, **data)
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.BookInput, responses={201: s.AssetBookingSerializer})
    @action(detail=True, methods=["post"])
    def book(self, request, pk=None):
        deployment = self.get_object()
        data = _valid(s.BookInput, request.data)
        booking = services.deployment_asset_book(actor=request.user, deployment=deployment, asset_code=data["asset"])
        return Response(s.AssetBookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AssessmentInput, responses={200: s.AssessmentSerializer})
    @action(detail=True, methods=["get", "put"])
    def assessment(self, request, pk=None):
        deployment = self.get_object()
        if request.method == "PUT":
            data = _valid(s.AssessmentInput, request.data)
            return Response(s.AssessmentSerializer(services.assessment_save(actor=request.user, deployment=deployment,
                                                                            **data)).data)
        assessment = selectors.assessment_of(deployment=deployment)
        if assessment is None:
            raise NotFound("no proportionality assessment yet")
        return Response(s.AssessmentSerializer(assessment).data)

    @extend_schema(request=None, responses={200: s.WatchlistSerializer, 201: s.WatchlistSerializer})
    @action(detail=True, methods=["get", "post"])
    def watchlist(self, request, pk=None):
        deployment = self.get_object()
        if request.method == "POST":
            watchlist = services.watchlist_create(actor=request.user, deployment=deployment)
            return Response(s.WatchlistSerializer(watchlist).data, status=status.HTTP_201_CREATED)
        watchlist = selectors.watchlist_of(deployment=deployment)
        if watchlist is None:
            raise NotFound("no watchlist yet")
        return Response(s.WatchlistSerializer(watchlist).data)


class WatchlistViewSet(ReadOnly):
    serializer_class = s.WatchlistSerializer

    def get_queryset(self):
        return selectors.watchlist_list(user=self.request.user)

    @extend_schema(request=s.NotesInput, responses={200: s.WatchlistSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        watchlist = self.get_object()
        data = _valid(s.NotesInput, request.data)
        return Response(s.WatchlistSerializer(services.watchlist_review(actor=request.user, watchlist=watchlist,
                                                                        **data)).data)

    @extend_schema(request=s.NotesInput, responses={200: s.WatchlistSerializer})
    @action(detail=True, methods=["post"])
    def rebuild(self, request, pk=None):
        watchlist = self.get_object()
        data = _valid(s.NotesInput, request.data)
        return Response(s.WatchlistSerializer(services.watchlist_rebuild(actor=request.user, watchlist=watchlist,
                                                                         **data)).data)


class WatchlistEntryViewSet(ReadOnly):
    serializer_class = s.WatchlistEntrySerializer
    filterset_fields = ["watchlist", "category__code", "deletion_status"]

    def get_queryset(self):
        return selectors.watchlist_entry_list(user=self.request.user)

    @extend_schema(request=s.WatchlistEntryInput, responses={201: s.WatchlistEntrySerializer})
    def create(self, request):
        data = _valid(s.WatchlistEntryInput, request.data)
        watchlist = selectors.watchlist_list(user=request.user).filter(pk=data.pop("watchlist")).first()
        if watchlist is None:
            raise NotFound("no such watchlist")
        entry = services.watchlist_entry_add(actor=request.user, watchlist=watchlist,
                                             legal_basis_codes=data.pop("legal_bases"), **data)
        return Response(s.WatchlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RemoveInput, responses={204: None})
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        entry = self.get_object()
        services.watchlist_entry_remove(actor=request.user, entry=entry, **_valid(s.RemoveInput, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.WatchlistEntrySerializer})
    @action(detail=True, methods=["post"], url_path="second-approve")
    def second_approve(self, request, pk=None):
        entry = services.watchlist_entry_second_approve(actor=request.user, entry=self.get_object())
        return Response(s.WatchlistEntrySerializer(entry).data)

    @extend_schema(request=s.DeletionStatusInput, responses={200: s.WatchlistEntrySerializer})
    @action(detail=True, methods=["post"], url_path="deletion-status")
    def deletion_status(self, request, pk=None):
        entry = self.get_object()
        data = _valid(s.DeletionStatusInput, request.data)
        entry = services.watchlist_entry_deletion_status_set(actor=request.user, entry=entry,
                                                             status=data["deletion_status"], reason=data["reason"])
        return Response(s.WatchlistEntrySerializer(entry).data)

    @extend_schema(responses={200: OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def image(self, request, pk=None):
        entry = self.get_object()
        if not entry.image:
            return Response({"detail": f"the image of watchlist entry {entry.pk} was deleted under the retention "
                                       "policy"}, status=status.HTTP_410_GONE)
        try:
            return files.face_image_response(entry.image, name=f"entry-{entry.pk}")
        except Http404:
            raise NotFound(f"the image file of watchlist entry {entry.pk} is missing") from None
