"""API plumbing shared by every layer: errors that name what was wrong, bounded pages, bounded JSON, throttles."""
from __future__ import annotations

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import parsers, status, throttling
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings

# Deeper JSON than this is refused before any serializer walks it: no request body of ours nests past a few levels.
MAX_JSON_DEPTH = 32


class Pagination(LimitOffsetPagination):
    """`limit` and `offset` are whole numbers; a limit over the maximum is cut to it, anything else is a 400."""

    max_limit = 500

    def _whole_number(self, request, name: str, *, minimum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise ValidationError({name: [f"give a whole number of at least {minimum}, not {raw[:40]!r}"]})
        return value

    def get_limit(self, request):
        limit = self._whole_number(request, self.limit_query_param, minimum=1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return self._whole_number(request, self.offset_query_param, minimum=0) or 0


def _depth_exceeds(value, limit: int) -> bool:
    """Walk the parsed document without recursion (a deep document is what we are guarding against)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing documents nested deeper than MAX_JSON_DEPTH with a 400 instead of a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        # DRF reads a JSON body from the stream, past Django's own check of its size: make the same check here.
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        too_deep = ParseError(f"the JSON is nested too deeply: at most {MAX_JSON_DEPTH} levels of lists and objects")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise too_deep
        return data


class _LiveRates:
    """Read the rate when the throttle is made, so a changed setting takes effect without a restart of the class."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRates, throttling.AnonRateThrottle):
    """Requests without a signed-in person, by address. Cameras (`Authorization: Device …`) have their own,
    higher rate, so that a guessed token is still throttled but a van sending frames is not."""

    def allow_request(self, request, view):
        if request.headers.get("Authorization", "").startswith("Device "):
            self.scope = "device"
            self.rate = self.get_rate()
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class UserThrottle(_LiveRates, throttling.UserRateThrottle):
    pass


def exception_handler(exc, context):
    """Turn domain errors raised by services into 400/403 answers that name the field or rule."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        else:
            detail = {"detail": exc.messages}
        violations = getattr(exc, "violations", None)  # a refusal by the rulebook: its rules beside the messages
        if violations:
            detail["rules"] = sorted({v.rule for v in violations})
            detail["violations"] = [v.as_dict() for v in violations]
        return Response(detail, status=getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "You may not do that."}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Http404):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES, which names this module's JSONParser,
    # when it is first imported (a Celery worker's or migrate's system checks import this module first).
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


class WholeNumberFilter(django_filters.NumberFilter):
    """An id or count in a query string: 'abc' or '1.5' is a 400 naming the parameter, never a database error."""

    field_class = forms.IntegerField
