"""Cache headers for the public site: what the public reads may be kept and revalidated, so a crowd of
readers costs 304s and cached copies, not the threads and cores that cameras and operators need.

ETag and Last-Modified come from Django's ConditionalGetMiddleware; published report files say
`immutable` in their own view (a published version never changes). With PUBLIC_PAGE_SERVER_CACHE on (as
`manage.py serve` runs the site), each web process also keeps the page it made for an anonymous reader for
as long as the page says a shared cache may (PUBLIC_PAGE_MAX_AGE): a crowd of readers is answered from
memory instead of rendering the page again for each.
"""
from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_cache_control

PUBLIC_PREFIXES = ("/transparency/", "/legal-bases/")


def _public_path(path: str) -> bool:
    return path == "/" or path.startswith(PUBLIC_PREFIXES)


class PublicCachingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = self._server_key(request)
        if key is not None:
            kept = cache.get(key)
            if kept is not None:
                return kept
        response = self.get_response(request)
        if (request.method not in ("GET", "HEAD") or response.status_code != 200
                or not _public_path(request.path) or response.has_header("Cache-Control")):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)  # their name is in the header
        elif not response.cookies:  # a page that sets a cookie (a form's CSRF token) is not for sharing
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE)
            if key is not None and not response.streaming:
                cache.set(key, response, settings.PUBLIC_PAGE_MAX_AGE)
        return response

    @staticmethod
    def _server_key(request) -> str | None:
        """The key of an anonymous reader's page: no session cookie (so no account), a public GET."""
        if (not settings.PUBLIC_PAGE_SERVER_CACHE or request.method not in ("GET", "HEAD")
                or settings.SESSION_COOKIE_NAME in request.COOKIES or not _public_path(request.path)):
            return None
        return f"public-page:{request.method}:{request.get_full_path()}"
