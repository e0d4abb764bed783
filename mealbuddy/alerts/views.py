"""The "모집 알림" page: the owner's alerts (list, create, edit, delete) and the nudge switch.

Plain forms that post and redirect (or re-render with field errors); with htmx a delete
removes its row in place.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mealbuddy.alerts import selectors, services
from mealbuddy.alerts.errors import AlertValidationError
from mealbuddy.alerts.forms import AlertForm, NudgeForm
from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.forms import add_service_errors


def _page(request, *, form: AlertForm, status: int = 200):
    alerts = selectors.alert_list(user=request.user)
    return render(
        request,
        "alerts/alerts.html",
        {
            "alerts": [(a, selectors.alert_summary(a)) for a in alerts],
            "form": form,
            "nudge_form": NudgeForm(
                initial={"nudges": selectors.nudges_enabled(user=request.user)}
            ),
            "limit": settings.ALERTS_MAX_PER_USER,
            "cap": settings.ALERTS_DAILY_CAP,
            "full": len(alerts) >= settings.ALERTS_MAX_PER_USER,
        },
        status=status,
    )


@login_required
def alert_list(request):
    """GET: the page. POST: a new alert from the form."""
    if request.method != "POST":
        return _page(request, form=AlertForm())
    form = AlertForm(request.POST)
    if form.is_valid():
        try:
            services.alert_create(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "모집 알림을 만들었어요.")
            return redirect("alerts:list")
    return _page(request, form=form, status=400)


@login_required
def alert_edit(request, pk: int):
    try:
        alert = selectors.access_alert(user=request.user, alert_id=pk)
    except ApplicationError:
        raise Http404("모집 알림을 찾을 수 없어요.") from None
    if request.method != "POST":
        initial = {name: getattr(alert, name) for name in services.FIELDS}
        return render(
            request, "alerts/edit.html", {"alert": alert, "form": AlertForm(initial=initial)}
        )
    form = AlertForm(request.POST)
    if form.is_valid():
        try:
            services.alert_update(user=request.user, alert_id=alert.pk, **form.cleaned_data)
        except AlertValidationError as error:
            add_service_errors(form, error)
        except ApplicationError:
            raise Http404("모집 알림을 찾을 수 없어요.") from None
        else:
            messages.success(request, "모집 알림을 고쳤어요.")
            return redirect("alerts:list")
    return render(request, "alerts/edit.html", {"alert": alert, "form": form}, status=400)


@login_required
@require_POST
def alert_delete(request, pk: int):
    try:
        services.alert_delete(user=request.user, alert_id=pk)
    except ApplicationError as error:
        if request.htmx:
            return HttpResponse(error.message, status=error.status_code)
        raise Http404("모집 알림을 찾을 수 없어요.") from None
    if request.htmx:
        return HttpResponse("")  # the row is swapped out
    messages.success(request, "모집 알림을 지웠어요.")
    return redirect("alerts:list")


@login_required
@require_POST
def nudge_preference(request):
    form = NudgeForm(request.POST)
    form.is_valid()
    on = services.nudges_set(user=request.user, enabled=form.cleaned_data.get("nudges", False))
    messages.success(request, "날씨 추천을 받을게요." if on else "날씨 추천을 보내지 않을게요.")
    return redirect("alerts:list")
