from django.contrib.auth import views as auth_views
from django.urls import path

from oversight import views

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says: send them to the icon the pages link to.
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="oversight/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("forces/", views.force_list, name="force-list"),
    path("forces/<slug:code>/", views.force_detail, name="force-detail"),
    path("people/", views.people_list, name="people-list"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/<int:seq>/", views.audit_event, name="audit-event"),
    path("policy/", views.policy_list, name="policy-list"),
    path("policy/<str:key>/", views.policy_setting_change, name="policy-setting-change"),
    path("legal-bases/", views.legal_basis_list, name="legal-basis-list"),
    path("legal-bases/new/", views.legal_basis_change, name="legal-basis-add"),
    path("legal-bases/<str:code>/", views.legal_basis_change, name="legal-basis-change"),
]
