"""Pages of the oversight workspace (the JSON API is in `api_urls.py`)."""
from django.urls import path

from oversight.reports import records, screens, views

urlpatterns = [
    path("oversight/", views.dashboard, name="oversight-dashboard"),
    path("oversight/reports/", views.report_list, name="report-list"),
    path("oversight/reports/<int:pk>/", views.report_run, name="report-run"),
    path("oversight/reports/<int:pk>/status/", views.report_run_status, name="report-run-status"),
    path("oversight/reports/<int:pk>/report.html", views.report_run_html, name="report-run-html"),
    path("oversight/reports/<int:pk>/report.pdf", views.report_run_pdf, name="report-run-pdf"),
    path("oversight/reports/<int:pk>/proofs.json", views.report_run_proofs, name="report-run-proofs"),
    path("oversight/audits/", views.audit_list, name="force-audit-list"),
    path("oversight/audits/new/", views.audit_open, name="force-audit-open"),
    path("oversight/audits/<int:pk>/", views.audit_detail, name="force-audit-detail"),
    path("oversight/audits/<int:pk>/sample/", views.audit_sample, name="force-audit-sample"),
    path("oversight/audits/<int:pk>/checks/", views.audit_check, name="force-audit-check"),
    path("oversight/audits/<int:pk>/findings/", views.audit_finding, name="force-audit-finding"),
    path("oversight/audits/<int:pk>/recommendations/", views.audit_recommendation, name="force-audit-recommendation"),
    path("oversight/audits/<int:pk>/recommendations/<int:recommendation_pk>/respond/", views.recommendation_respond,
         name="force-audit-respond"),
    path("oversight/audits/<int:pk>/close/", views.audit_close, name="force-audit-close"),
    # The records an auditor follows along the chain (read-only pages, never the API).
    path("records/alerts/<int:pk>/", records.alert, name="record-alert"),
    path("records/watchlist-entries/<int:pk>/", records.watchlist_entry, name="record-watchlist-entry"),
    path("records/watchlist-categories/<int:pk>/", records.watchlist_category, name="record-watchlist-category"),
    path("records/authorisations/<int:pk>/", records.authorisation, name="record-authorisation"),
    path("records/assessments/<int:pk>/", records.assessment, name="record-assessment"),
    path("records/reviews/<int:pk>/", records.review, name="record-review"),
    path("records/policy-documents/<int:pk>/", records.policy_document, name="record-policy-document"),
    path("records/rfr-searches/<int:pk>/", records.rfr_search, name="record-rfr-search"),
    path("records/oifr-checks/<int:pk>/", records.oifr_check, name="record-oifr-check"),
    path("deployments/<int:pk>/post-deployment-review/", screens.deployment_review, name="deployment-review"),
    path("policy-documents/", screens.policy_documents, name="policy-documents"),
    path("policy-documents/new/", screens.policy_document_file, name="policy-document-file"),
    path("fleet/", screens.fleet, name="fleet"),
    path("fleet/<slug:code>/allocate/", screens.fleet_allocate, name="fleet-allocate"),
]
