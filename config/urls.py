from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Swagger UI sets inline styles and draws icons as data: images; its script comes from a file (the split view).
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/", include("matching.api_urls")),
    path("api/", include("deployments.api_urls")),
    path("api/", include("oversight.reports.api_urls")),
    path("api/", include("oversight.api_urls")),
    path("", include("deployments.urls")),
    path("", include("deployments.complaints.urls")),
    path("", include("matching.urls")),
    path("", include("oversight.reports.urls")),
    path("", include("oversight.transparency.urls")),
    path("", include("oversight.urls")),
]

handler404 = "oversight.error_responses.page_not_found"
handler400 = "oversight.error_responses.bad_request"
handler500 = "oversight.error_responses.server_error"
