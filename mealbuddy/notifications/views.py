from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from mealbuddy.notifications import selectors, services


@login_required
def notification_list(request):
    rows, has_more = selectors.notification_list(user=request.user)
    response = render(
        request, "notifications/list.html", {"notifications": rows, "has_more": has_more}
    )
    # Shown means read: the badge drops everywhere (the socket hears it).
    services.notifications_mark_read(user=request.user)
    return response
