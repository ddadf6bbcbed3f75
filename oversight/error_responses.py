"""Answers for requests the site cannot serve through no fault in their content.

- The database is unreachable (stopped, restarting, the network between us down): 503 with `Retry-After`, so
  that a camera or a script knows to wait and send again, and a person sees a page that says so in plain words.
- The request body is larger than the site accepts: 413 naming the limit.
- A refusal by a service that the page did not put on its form (a text longer than its field allows, say, met
  when the record is saved): 400 naming each field and what is wrong with it, having written nothing.
- A page that does not exist: the product's own 404, also when debug is on (as in the demo), so that the public is
  never shown Django's debug page listing every URL pattern.

The API answers in JSON and the pages in HTML. Nothing here touches the database: it may be the thing that is down.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponseNotFound, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _answer(request, *, status: int, title: str, message: str, headers: dict | None = None) -> HttpResponse:
    if _is_api(request):
        response = JsonResponse({"detail": message}, status=status)
    else:
        html = render_to_string("oversight/unavailable.html", {"title": title, "message": message})
        response = HttpResponse(html, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def database_unavailable(request) -> HttpResponse:
    return _answer(request, status=503, title="Service unavailable",
                   message=f"The service cannot reach its database just now. Nothing you sent was saved. "
                           f"Please try again in {RETRY_AFTER_SECONDS} seconds.",
                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def request_too_large(request, exc) -> HttpResponse:
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20
    if isinstance(exc, RequestDataTooBig):
        message = (f"The request is too large: the site accepts at most {limit_mb:g} MB of data besides "
                   "attached files. Send smaller crops or fewer at once.")
        return _answer(request, status=413, title="Request too large", message=message)
    what = "fields" if isinstance(exc, TooManyFieldsSent) else "files"
    return _answer(request, status=400, title="Too many parts",
                   message=f"The request has too many {what}; send fewer at once.")


class ServiceNotReady(RuntimeError):
    """A part the request needs is not set up yet (say, the face model is not in the register): a 503 that
    says what an administrator must do, never a server error. Raised by the layers above with their own words."""


def service_not_ready(request, exc) -> HttpResponse:
    logger.error("not ready while serving %s: %s", request.path, exc)
    return _answer(request, status=503, title="Service not ready",
                   message=f"The service is not ready: {exc}. Nothing you sent was saved.",
                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def refused(request, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        if _is_api(request):
            return JsonResponse({field: [str(m) for m in messages] for field, messages in exc.message_dict.items()},
                                status=400)
        said = "; ".join(f"{field.replace('_', ' ')}: {' '.join(messages)}"
                         for field, messages in exc.message_dict.items())
    else:
        said = " ".join(exc.messages)
    return _answer(request, status=400, title="Not saved",
                   message=f"Nothing was saved: {said}. Go back, change it and send it again.")


def response_for(request, exc) -> HttpResponse | None:
    if isinstance(exc, ValidationError):
        return refused(request, exc)
    if isinstance(exc, ServiceNotReady):
        return service_not_ready(request, exc)
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unreachable while serving %s: %s", request.path, exc)
        return database_unavailable(request)
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        return request_too_large(request, exc)
    return None


class ErrorResponseMiddleware:
    """Turns the exceptions above, raised by any view (the API's included), into their answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # With debug on, an address that matches no URL pattern gets Django's technical page, which lists every
        # pattern: answer with the product's own page instead (with debug off Django calls handler404 itself).
        if settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return page_not_found(request, None)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return response_for(request, exception)


def page_not_found(request, exception):
    """handler404, and the same answer with debug on: the API in JSON, pages in the product's own words."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return HttpResponseNotFound(render_to_string("404.html", request=request))


def server_error(request):
    """handler500: an outage met outside a view (a session saved after the response, say) is still a 503."""
    import sys

    answer = response_for(request, sys.exc_info()[1])
    return answer if answer is not None else defaults.server_error(request)


def bad_request(request, exception):
    """handler400: a body too large met by a middleware before the view (the CSRF check reads the form)."""
    answer = response_for(request, exception)
    return answer if answer is not None else defaults.bad_request(request, exception)
