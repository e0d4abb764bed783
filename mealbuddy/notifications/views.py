from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mealbuddy.core.errors import ApplicationError
from mealbuddy.notifications import selectors, services
from mealbuddy.notifications.models import PushKind


@login_required
def notification_list(request):
    rows, has_more = selectors.notification_list(user=request.user)
    response = render(
        request,
        "notifications/list.html",
        {
            "notifications": rows,
            "has_more": has_more,
            "push": selectors.push_preferences(user=request.user),
        },
    )
    # Shown means read: the badge drops everywhere (the socket hears it).
    services.notifications_mark_read(user=request.user)
    return response


@login_required
@require_POST
def push_preferences(request):
    """The page's plain form: a ticked box keeps that kind of push on."""
    on = set(request.POST.getlist("on"))
    try:
        services.push_opt_outs_set(user=request.user, off=set(PushKind.values) - on)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "푸시 알림 설정을 저장했어요.")
    return redirect("notifications:list")
