"""DRF glue: every error under /api/ is JSON ``{"errors": {field: [messages]}}``.

Views that must answer in another shape (the original client reads a few bodies
unwrapped or as a bare string) build those responses themselves.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mealbuddy.core.errors import ApplicationError

MESSAGES = {
    exceptions.NotAuthenticated: "로그인이 필요해요.",
    exceptions.AuthenticationFailed: "인증 정보가 올바르지 않아요. 다시 로그인해 주세요.",
    exceptions.PermissionDenied: "권한이 없어요.",
    exceptions.NotFound: "찾을 수 없어요.",
    exceptions.MethodNotAllowed: "허용되지 않은 요청 방식이에요.",
    exceptions.ParseError: "요청 본문을 해석할 수 없어요.",
    exceptions.UnsupportedMediaType: "지원하지 않는 형식이에요.",
    exceptions.Throttled: "요청이 너무 많아요. 잠시 후 다시 시도해 주세요.",
}


def _flatten(detail) -> list[str]:
    if isinstance(detail, list):
        out: list[str] = []
        for item in detail:
            out.extend(_flatten(item))
        return out
    if isinstance(detail, dict):
        out = []
        for value in detail.values():
            out.extend(_flatten(value))
        return out
    return [str(detail)]


def errors_body(detail) -> dict:
    """Normalise a DRF error detail into ``{"errors": {field: [str]}}``."""
    if isinstance(detail, dict):
        errors = {}
        for key, value in detail.items():
            name = "error" if key in ("non_field_errors", "detail") else key
            errors.setdefault(name, []).extend(_flatten(value))
        return {"errors": errors}
    return {"errors": {"error": _flatten(detail)}}


def application_error_response(exc: ApplicationError) -> Response:
    body = {"errors": exc.as_errors(), "code": exc.code}
    body.update(exc.extra)
    response = Response(body, status=exc.status_code)
    if "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return application_error_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = errors_body(exc.detail)
    else:
        message = MESSAGES.get(type(exc))
        if message is None:
            message = next(
                (m for cls, m in MESSAGES.items() if isinstance(exc, cls)), str(exc.detail)
            )
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            message = f"{message} ({int(exc.wait)}초 후)"
        response.data = {"errors": {"error": [message]}, "code": exc.default_code}
    if response.status_code == status.HTTP_401_UNAUTHORIZED and not response.has_header(
        "WWW-Authenticate"
    ):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
