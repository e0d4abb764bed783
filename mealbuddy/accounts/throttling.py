"""Rate limits on writes: per user and per client address, by scope, on the shared cache.

A view opts in with one attribute, ``throttle_scope = "post"`` (or a mapping from method to
scope when one view does several kinds of writes). Only POST/PUT/PATCH/DELETE count; reads
are never throttled here. The two default DRF throttle classes read it:

- ``WriteUserThrottle``: per signed-in user, rate ``API_THROTTLE_RATES[scope]``;
- ``WriteAddressThrottle``: per client address (``client_ip``, so X-Forwarded-For counts only
  as far as TRUSTED_PROXY_COUNT says), rate ``API_THROTTLE_IP_RATES[scope]``; the only limit
  for anonymous writes such as sign-up.

A refusal is a 429 with ``Retry-After`` and a Korean message (``core.api``). Pages use the
same counters through ``write_throttle_check``. The counters live in Django's cache: Redis
when REDIS_URL is set, so every process counts together.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.http import HttpResponse
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from mealbuddy.accounts.services import client_ip
from mealbuddy.core.errors import RateLimited

logger = logging.getLogger(__name__)


def _scope_for(view, method: str) -> str | None:
    if method in SAFE_METHODS:
        return None
    scope = getattr(view, "throttle_scope", None)
    if isinstance(scope, dict):
        return scope.get(method)
    return scope


class _WriteThrottle(SimpleRateThrottle):
    rates_setting = ""

    def __init__(self) -> None:
        # The scope depends on the view; rates are read per request so settings stay live.
        pass

    def ident_for(self, request) -> str | None:
        raise NotImplementedError

    def get_rate(self):
        return getattr(settings, self.rates_setting).get(self.scope)

    def get_cache_key(self, request, view):
        ident = self.ident_for(request)
        if ident is None:
            return None
        return f"throttle:{self.scope}:{ident}"

    def allow_request(self, request, view):
        self.scope = _scope_for(view, request.method)
        if self.scope is None:
            return True
        self.rate = self.get_rate()
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - the cache (Redis) is down
            # Fail open, like the chat flood budget (core/limits.py): an outage of the cache
            # must not turn every write into an error. Logged, so the outage is seen.
            logger.warning(
                "write throttle %s skipped: cache unavailable", self.scope, exc_info=True
            )
            return True


class WriteUserThrottle(_WriteThrottle):
    rates_setting = "API_THROTTLE_RATES"

    def ident_for(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return f"user:{user.pk}"


class WriteAddressThrottle(_WriteThrottle):
    rates_setting = "API_THROTTLE_IP_RATES"

    def ident_for(self, request) -> str | None:
        return f"ip:{client_ip(request)}"


class _PageView:
    def __init__(self, scope: str) -> None:
        self.throttle_scope = scope


def write_throttle_check(request, *, scope: str) -> None:
    """The API's write limits for a page's form post; raises ``RateLimited`` (429)."""
    view = _PageView(scope)
    waits = [
        throttle.wait()
        for throttle in (WriteUserThrottle(), WriteAddressThrottle())
        if not throttle.allow_request(request, view)
    ]
    if waits:
        retry_after = max(1, int(max(w or 1 for w in waits)))
        raise RateLimited(
            f"요청이 너무 많아요. {retry_after}초 후에 다시 시도해 주세요.",
            extra={"retry_after": retry_after},
        )


def write_throttled(scope: str):
    """Decorator for a page view: its POSTs count against the API's ``scope`` limits."""

    def decorate(view_func):
        @functools.wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if request.method not in SAFE_METHODS:
                try:
                    write_throttle_check(request, scope=scope)
                except RateLimited as exc:
                    response = HttpResponse(
                        exc.message,
                        status=exc.status_code,
                        content_type="text/plain; charset=utf-8",
                    )
                    response["Retry-After"] = str(exc.extra["retry_after"])
                    return response
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorate
