"""JSON API of the oversight workspace: report runs (start, follow) and audits of forces (read, respond)."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from oversight.models import Force
from oversight.reports import audits, runs, selectors
from oversight.reports.models import ResponseDecision


class ReportRunInput(serializers.Serializer):
    all_forces = serializers.BooleanField(default=False)
    forces = serializers.SlugRelatedField(slug_field="code", queryset=Force.objects.all(), many=True, required=False)
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ReportRunsView(APIView):
    """List report runs, or start one (oversight body only)."""

    def _check(self, request):
        if not selectors.is_oversight(request.user):
            raise PermissionDenied("only the oversight body may see regulator reports")

    @extend_schema(operation_id="report_runs_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        self._check(request)
        return Response([runs.report_run_state(r) for r in selectors.report_run_list(user=request.user)[:100]])

    @extend_schema(operation_id="report_runs_create", request=ReportRunInput, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        self._check(request)
        data = ReportRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = runs.report_run_start(actor=request.user, forces=data.validated_data.get("forces", []),
                                    all_forces=data.validated_data["all_forces"],
                                    period_start=data.validated_data["period_start"],
                                    period_end=data.validated_data["period_end"],
                                    site_url=request.build_absolute_uri("/"))
        return Response(runs.report_run_state(run), status=status.HTTP_202_ACCEPTED)


class ReportRunView(APIView):
    @extend_schema(operation_id="report_runs_retrieve", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        if not selectors.is_oversight(request.user):
            raise PermissionDenied("only the oversight body may see regulator reports")
        return Response(runs.report_run_state(get_object_or_404(selectors.report_run_list(user=request.user), pk=pk)))


def _audit_json(audit) -> dict:
    return {
        "id": audit.pk, "force": audit.force.code, "scope": audit.scope, "period_start": audit.period_start,
        "period_end": audit.period_end, "status": audit.status, "opened_at": audit.opened_at,
        "sample_seed": audit.sample_seed,
        "sample": {k: v["drawn"] for k, v in (audit.sample or {}).items() if isinstance(v, dict)},
        "findings": [{"id": f.pk, "severity": f.severity, "text": f.text, "linked_kind": f.linked_kind,
                      "linked_id": f.linked_id} for f in audit.findings.all()],
        "recommendations": [{"id": r.pk, "text": r.text, "deadline": r.deadline,
                             "finding": r.finding_id,
                             "responses": [{"decision": x.decision, "text": x.text, "responded_at": x.responded_at}
                                           for x in r.responses.all()]} for r in audit.recommendations.all()],
    }


class ForceAuditsView(APIView):
    @extend_schema(operation_id="force_audits_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        audits_ = selectors.force_audit_list(user=request.user).prefetch_related(
            "findings", "recommendations__responses")
        return Response([_audit_json(a) for a in audits_])


class ForceAuditView(APIView):
    @extend_schema(operation_id="force_audits_retrieve", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        audit = get_object_or_404(selectors.force_audit_list(user=request.user).prefetch_related(
            "findings", "recommendations__responses"), pk=pk)
        return Response(_audit_json(audit))


class ResponseInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ResponseDecision.choices)
    text = serializers.CharField()


class RecommendationRespondView(APIView):
    """A force administrator or approver of the audited force responds to a recommendation."""

    @extend_schema(operation_id="force_audit_responses_create", request=ResponseInput,
                   responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk: int, recommendation_pk: int):
        audit = get_object_or_404(selectors.force_audit_list(user=request.user), pk=pk)
        recommendation = get_object_or_404(audit.recommendations, pk=recommendation_pk)
        data = ResponseInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = audits.recommendation_respond(actor=request.user, recommendation=recommendation,
                                                 **data.validated_data)
        return Response({"id": response.pk, "decision": response.decision, "text": response.text},
                        status=status.HTTP_201_CREATED)
