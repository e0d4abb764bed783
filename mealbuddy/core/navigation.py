"""Where a page sends someone back to after a form (``next``)."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def next_path(request, fallback: str) -> str:
    """The request's ``next`` when it is a path on this site (never another host, never a
    control character or lone surrogate that could end up in a header), else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and len(target) <= 500
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback
