from django.urls import path

from deployments.complaints import views

urlpatterns = [
    path("transparency/complaints/", views.complaint_new, name="complaint-new"),
    path("transparency/complaints/status/", views.complaint_status, name="complaint-status"),
    path("complaints/", views.complaint_list, name="complaint-list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint-detail"),
    path("complaints/<int:pk>/assign/", views.complaint_assign, name="complaint-assign"),
    path("complaints/<int:pk>/close/", views.complaint_close, name="complaint-close"),
    path("complaints/<int:pk>/answer/", views.complaint_respond, name="complaint-respond"),
]
