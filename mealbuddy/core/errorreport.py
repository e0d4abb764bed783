"""Optional error reporting through Sentry's SDK (``SENTRY_DSN``; off by default).

Events carry the request id (the same one the log lines and the X-Request-ID response header
show) and nothing that identifies or authenticates anyone: no user data, no cookies, no
Authorization or CSRF headers, no request bodies, no query-string values (socket tokens and
tickets travel there), no local variables of the failing frames.
"""

from __future__ import annotations

from mealbuddy.core.logs import redact_query, request_id_var

_DROPPED_HEADERS = {"authorization", "cookie", "x-csrftoken", "proxy-authorization"}


def _scrub(event: dict, hint: dict) -> dict:
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        if request.get("query_string"):
            request["query_string"] = redact_query(f"?{request['query_string']}")[1:]
        if isinstance(request.get("url"), str):
            request["url"] = redact_query(request["url"])
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: value
                for name, value in headers.items()
                if name.lower() not in _DROPPED_HEADERS
            }
    request_id = request_id_var.get()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def error_reporting_init(*, dsn: str, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        # Frame locals hold passwords, tokens and request reprs with their query strings.
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0,
        before_send=_scrub,
    )
