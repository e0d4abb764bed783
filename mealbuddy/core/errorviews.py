"""Error answers: JSON under /api/, Korean pages everywhere else.

Django calls these for what never reached a DRF view (unknown URLs, uncaught exceptions,
CSRF failures, oversized or suspicious requests); DRF views render their own errors through
``mealbuddy.core.api.exception_handler`` in the same ``{"errors": {"error": [...]}}`` shape.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)

MESSAGES = {
    400: "요청을 처리할 수 없어요.",
    403: "권한이 없어요.",
    404: "찾을 수 없어요.",
    500: "서버에 문제가 생겼어요. 잠시 후 다시 시도해 주세요.",
}
CSRF_MESSAGE = "보안 토큰이 없거나 만료됐어요. 페이지를 새로 고친 뒤 다시 시도해 주세요."

# The last resort when even the template cannot render (a missing static file, a broken
# template): plain HTML with nothing that can fail.
FALLBACK_500 = (
    '<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>오류 · 밀버디</title>'
    "</head><body><h1>서버에 문제가 생겼어요</h1><p>잠시 후 다시 시도해 주세요.</p>"
    '<p><a href="/">처음으로</a></p></body></html>'
)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, message: str, code: str) -> JsonResponse:
    return JsonResponse(
        {"errors": {"error": [message]}, "code": code},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return api_error(400, MESSAGES[400], "bad_request")
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return api_error(403, MESSAGES[403], "permission_denied")
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return api_error(404, MESSAGES[404], "not_found")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request context: no context processor may query a database
    that might be the reason for the error."""
    if is_api(request):
        return api_error(500, MESSAGES[500], "server_error")
    try:
        body = loader.get_template("500.html").render()
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        logger.exception("500.html could not be rendered")
        body = FALLBACK_500
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api(request):
        return api_error(403, CSRF_MESSAGE, "csrf_failed")
    return render(request, "403_csrf.html", status=403)
