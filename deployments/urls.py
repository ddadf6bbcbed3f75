from django.urls import path, register_converter

from deployments import views


class MoveConverter:
    """Only the moves the page offers: anything else is a 404, not a crash."""

    regex = "|".join(views.MOVES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MoveConverter, "any_move")

urlpatterns = [
    path("deployments/", views.deployment_list, name="deployment-list"),
    path("deployments/new/", views.deployment_create, name="deployment-create"),
    path("deployments/<int:pk>/", views.deployment_detail, name="deployment-detail"),
    path("deployments/<int:pk>/decide/", views.deployment_decide, name="deployment-decide"),
    path("deployments/<int:pk>/assessment/", views.assessment_edit, name="deployment-assessment"),
    path("deployments/<int:pk>/consultations/", views.consultation_add, name="deployment-consultation-add"),
    path("deployments/<int:pk>/watchlist/", views.watchlist_page, name="deployment-watchlist"),
    path("deployments/<int:pk>/watchlist/bulk/", views.watchlist_bulk, name="deployment-watchlist-bulk"),
    path("deployments/<int:pk>/watchlist/build/", views.watchlist_build, name="deployment-watchlist-build"),
    path("deployments/<int:pk>/watchlist/review/", views.watchlist_review, name="deployment-watchlist-review"),
    path("watchlist-entries/<int:pk>/image/", views.watchlist_entry_image, name="watchlist-entry-image"),
    path("deployments/<int:pk>/<any_move:action>/", views.deployment_move, name="deployment-move"),
]
