from django.urls import path, register_converter

from oversight.transparency import views
from oversight.transparency.figures import ATRS_KINDS
from oversight.transparency.models import ReportFormat


class FormatConverter:
    regex = "|".join(ReportFormat.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class KindConverter:
    regex = "|".join(ATRS_KINDS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "report_format")
register_converter(KindConverter, "fr_kind")

urlpatterns = [
    path("transparency/", views.index, name="transparency-index"),
    path("transparency/notices/", views.notices, name="transparency-notices"),
    path("transparency/reports/", views.report_list, name="transparency-reports"),
    path("transparency/reports/<int:pk>/", views.report_page, name="transparency-report"),
    path("transparency/reports/<int:pk>/report.<report_format:fmt>", views.report_download,
         name="transparency-report-download"),
    path("transparency/forces/<slug:code>/", views.force_page, name="transparency-force"),
    path("transparency/forces/<slug:code>/documents/<int:pk>/", views.document_download,
         name="transparency-document"),
    path("transparency/forces/<slug:code>/atrs/<fr_kind:kind>/", views.atrs_page, name="transparency-atrs"),
    path("transparency/forces/<slug:code>/atrs/<fr_kind:kind>.json", views.atrs_json, name="transparency-atrs-json"),
    path("transparency/open-data/", views.open_data, name="transparency-open-data"),
    path("transparency/audit/", views.audit_checkpoints, name="transparency-audit"),
    path("transparency/audit/checkpoints.json", views.audit_checkpoints_json, name="transparency-audit-json"),
    path("transparency/schema/<slug:name>.schema.json", views.schema, name="transparency-schema"),
    path("transparency/manage/", views.manage, name="transparency-manage"),
    path("transparency/manage/reports/<int:pk>/", views.manage_report, name="transparency-manage-report"),
    path("transparency/manage/reports/<int:pk>/refresh/", views.manage_refresh, name="transparency-manage-refresh"),
    path("transparency/manage/reports/<int:pk>/publish/", views.manage_publish, name="transparency-manage-publish"),
    path("transparency/manage/reports/<int:pk>/withdraw/", views.manage_withdraw,
         name="transparency-manage-withdraw"),
]
