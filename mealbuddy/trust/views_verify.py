"""Pages: "동네 인증하기" (``/trust/verify/``) and the public profile (``/u/<id>/``).

The verify page works in three steps with or without JavaScript: the script
(``static/js/verify.js``) asks the browser for its position and posts it; without it (or
without permission) the page says what to do. The result is the service's own message.
"""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from mealbuddy.accounts.throttling import write_throttled
from mealbuddy.core.errors import ApplicationError
from mealbuddy.regions.serializers import ReverseQuerySerializer
from mealbuddy.trust.api_verify import verified_message
from mealbuddy.trust.profiles import public_profile
from mealbuddy.trust.verification import region_verify, verification_state


def _position(data) -> tuple[dict | None, str]:
    params = ReverseQuerySerializer(data={"lat": data.get("lat"), "lon": data.get("lon")})
    if params.is_valid():
        return params.validated_data, ""
    return None, "위치를 읽지 못했어요. 다시 시도해 주세요."


@login_required
@require_http_methods(["GET", "POST"])
@write_throttled("write")
def verify(request):
    """GET: the page. POST (lat, lon, filled in by verify.js): verify, and the page again
    with the result."""
    context: dict = {"next": _safe_next(request)}
    status = 200
    if request.method == "POST":
        position, error = _position(request.POST)
        if position is None:
            context["error"] = error
            status = 400
        else:
            try:
                region_verify(user=request.user, **position)
            except ApplicationError as exc:
                context["error"] = exc.message
                context["error_code"] = exc.code
                status = exc.status_code
            else:
                context["success"] = True
    state = verification_state(user=request.user)
    context["state"] = state
    if context.get("success"):
        context["message"] = verified_message(state)
    return render(request, "trust/verify.html", context, status=status)


def _safe_next(request) -> str:
    """Back to the order the person came from (only our own order pages)."""
    target = request.GET.get("next", "") or request.POST.get("next", "")
    if re.fullmatch(r"/groupbuys/[0-9]{1,18}/", target):
        return target
    return ""


@login_required
def profile(request, user_id: int):
    try:
        card = public_profile(user_id=user_id)
    except ApplicationError as exc:
        return render(
            request, "groupbuys/error.html", {"message": exc.message}, status=exc.status_code
        )
    return render(
        request,
        "trust/profile.html",
        {
            "card": card,
            "person": card.person,
            "is_me": card.person.pk == request.user.pk,
        },
    )
