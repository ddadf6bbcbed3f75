from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("matching.api_urls")),
    path("api/", include("deployments.api_urls")),
    path("api/", include("oversight.reports.api_urls")),
    path("api/", include("oversight.api_urls")),
    path("", include("deployments.urls")),
    path("", include("matching.urls")),
    path("", include("oversight.reports.urls")),
    path("", include("oversight.transparency.urls")),
    path("", include("oversight.urls")),
]
