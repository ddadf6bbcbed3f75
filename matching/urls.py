"""Pages of the matcher layer (the JSON API is in `api_urls.py`)."""
from django.urls import path

from matching import views

urlpatterns = [
    path("live/", views.live_list, name="live-list"),
    path("deployments/<int:pk>/live/", views.deployment_live, name="deployment-live"),
    path("deployments/<int:pk>/live/counters/", views.deployment_live_counters, name="deployment-live-counters"),
    path("deployments/<int:pk>/live/devices/", views.device_register, name="deployment-live-device"),
    path("deployments/<int:pk>/live/devices/<int:device_pk>/revoke/", views.device_revoke,
         name="deployment-live-device-revoke"),
    path("deployments/<int:pk>/live/feeds/", views.feed_start, name="deployment-live-feed"),
    path("alerts/<int:pk>/decide/", views.alert_decide, name="alert-decide"),
    path("alerts/<int:pk>/engagement/", views.alert_engagement, name="alert-engagement"),
    path("alerts/<int:pk>/crop/", views.alert_crop, name="alert-crop"),
    path("feeds/<int:pk>/", views.feed_detail, name="feed-detail"),
    path("feeds/<int:pk>/status/", views.feed_status, name="feed-status"),
    path("rfr/", views.rfr_search, name="rfr-search"),
    path("rfr/<int:pk>/", views.rfr_detail, name="rfr-detail"),
    path("rfr/national/", views.national_notice_list, name="national-notices"),
    path("rfr/national/<int:pk>/", views.national_notice_detail, name="national-notice"),
    path("rfr/<int:pk>/probe/", views.rfr_probe, name="rfr-probe"),
    path("rfr/<int:pk>/candidates/<int:candidate_pk>/", views.rfr_candidate_mark, name="rfr-candidate-mark"),
    path("rfr/<int:pk>/candidates/<int:candidate_pk>/image/", views.rfr_candidate_image, name="rfr-candidate-image"),
    path("oifr/", views.oifr_check, name="oifr-check"),
    path("oifr/<int:pk>/", views.oifr_detail, name="oifr-detail"),
    path("oifr/<int:pk>/candidate-image/", views.oifr_candidate_image, name="oifr-candidate-image"),
    path("retention/", views.retention, name="retention"),
    path("custody-images/", views.custody_image_list, name="custody-image-list"),
    path("custody-images/<int:pk>/delete/", views.custody_image_delete, name="custody-image-delete"),
    path("custody-images/<int:pk>/image/", views.custody_image_photo, name="custody-image-photo"),
]
