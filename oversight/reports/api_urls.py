from django.urls import path

from oversight.reports import api

urlpatterns = [
    path("reports/runs/", api.ReportRunsView.as_view(), name="api-report-runs"),
    path("reports/runs/<int:pk>/", api.ReportRunView.as_view(), name="api-report-run"),
    path("force-audits/", api.ForceAuditsView.as_view(), name="api-force-audits"),
    path("force-audits/<int:pk>/", api.ForceAuditView.as_view(), name="api-force-audit"),
    path("force-audits/<int:pk>/recommendations/<int:recommendation_pk>/responses/",
         api.RecommendationRespondView.as_view(), name="api-force-audit-respond"),
]
