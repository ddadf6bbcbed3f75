"""Cache headers for the public site: what the public reads may be kept and revalidated, so a crowd of
readers costs 304s and cached copies, not the threads that cameras and operators need.

ETag and Last-Modified come from Django's ConditionalGetMiddleware; published report files say
`immutable` in their own view (a published version never changes).
"""
from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_cache_control

PUBLIC_PREFIXES = ("/transparency/", "/legal-bases/")


class PublicCachingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.method not in ("GET", "HEAD") or response.status_code != 200
                or not (request.path == "/" or request.path.startswith(PUBLIC_PREFIXES))
                or response.has_header("Cache-Control")):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)  # their name is in the header
        elif not response.cookies:  # a page that sets a cookie (a form's CSRF token) is not for sharing
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE)
        return response
