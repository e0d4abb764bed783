"""Pages of recurring orders: "정기 모집으로 만들기" (from the host's order), the series page,
"내 정기 모집", and the buttons of the "정기 모집" section (매주 참여/그만하기, 이번 주
건너뛰기, 일시정지/다시 시작/끝내기). Plain forms that post and redirect; with htmx the
section is swapped in place. The rules are the services'; the section shows what the
selector computed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mealbuddy.core.errors import ApplicationError, NotFound
from mealbuddy.core.forms import add_service_errors
from mealbuddy.core.navigation import next_path
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.series import selectors, services
from mealbuddy.series.forms import SeriesEditForm, SeriesForm, SubscribeForm
from mealbuddy.series.models import Occurrence, Series
from mealbuddy.series.schedule import kst


def _add_errors(form, error: ApplicationError) -> None:
    for field, field_messages in error.as_errors().items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@login_required
def series_new(request):
    """The host turns their order (``?order=<id>``) into a series: only the schedule is
    asked, everything else is copied from the order."""
    try:
        order = access_group_order(
            user=request.user, id=request.GET.get("order"), require_host=True
        )
    except ApplicationError:
        raise Http404("주문을 찾을 수 없어요.") from None
    local = kst(order.deadline)
    form = SeriesForm(
        request.POST or None,
        initial={
            "weekdays": [local.weekday()],
            "deadline_time": local.time().replace(second=0, microsecond=0),
            "interval_days": 7,
        },
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            schedule = {
                "kind": data["kind"],
                "deadline_time": data["deadline_time"],
                "open_before": data["open_before"],
            }
            if data["kind"] == Series.Kind.WEEKLY:
                schedule["weekdays"] = data["weekdays"]
            else:
                schedule["interval_days"] = data["interval_days"]
            try:
                series = services.series_create(
                    host=request.user, group_order_id=order.pk, **schedule
                )
            except ApplicationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "정기 모집을 만들었어요. 다음 모집은 저절로 열려요.")
                return redirect("series:detail", pk=series.pk)
    return render(request, "series/new.html", {"form": form, "order": order}, status=status)


@login_required
def series_mine(request):
    hosting, subscribed = selectors.series_mine(user=request.user)
    return render(
        request,
        "series/mine.html",
        {"hosting": hosting, "subscribed": subscribed, "next": request.path},
    )


def _panel_or_404(request, pk: int):
    try:
        return selectors.series_detail(user=request.user, series_id=pk)
    except NotFound:
        raise Http404("정기 모집을 찾을 수 없어요.") from None


@login_required
def series_detail(request, pk: int):
    panel = _panel_or_404(request, pk)
    occurrences = (
        Occurrence.objects.filter(series_id=pk, group_order__isnull=False)
        .select_related("group_order")
        .order_by("-deadline")[:5]
    )
    return render(
        request,
        "series/detail.html",
        {
            "panel": panel,
            "occurrences": occurrences,
            "next": request.path,
        },
    )


@login_required
def series_edit(request, pk: int):
    """The host changes the template or the schedule through ``series_update``, the API
    PATCH's service (its errors land next to the fields); later occurrences use it."""
    try:
        series = selectors.access_series(user=request.user, id=pk, require_host=True)
    except NotFound:
        raise Http404("정기 모집을 찾을 수 없어요.") from None
    form = SeriesEditForm(request.POST or None, initial=SeriesEditForm.initial_for(series))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.series_update(user=request.user, series_id=pk, **form.service_data())
            except ApplicationError as error:
                if error.status_code == 404:
                    raise Http404(error.message) from None
                add_service_errors(form, error)
            else:
                messages.success(request, "정기 모집을 고쳤어요. 다음 모집부터 바뀌어요.")
                return redirect("series:detail", pk=pk)
    return render(request, "series/edit.html", {"form": form, "series": series}, status=status)


def _next_url(request, pk: int) -> str:
    return next_path(request, reverse("series:detail", kwargs={"pk": pk}))


def _after(request, pk: int, *, done: str = "", error: ApplicationError | None = None):
    """htmx: the section again (with what happened or why not); otherwise back where the
    button was, the message shown there."""
    if request.htmx:
        panel = _panel_or_404(request, pk)
        return render(
            request,
            "series/_panel.html",
            {
                "panel": panel,
                "done": done,
                "action_error": error,
                "next": request.POST.get("next") or "",
            },
        )  # 200 even for a refusal: htmx swaps only successful answers, the reason is in it
    if error is not None:
        if error.status_code == 404:
            raise Http404(error.message)
        messages.error(request, error.message)
    elif done:
        messages.success(request, done)
    return redirect(_next_url(request, pk))


def _run(request, pk: int, done: str, action, **kwargs):
    try:
        action(user=request.user, series_id=pk, **kwargs)
    except ApplicationError as error:
        return _after(request, pk, error=error)
    return _after(request, pk, done=done)


@login_required
@require_POST
def subscribe(request, pk: int):
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        error = ApplicationError(
            next(iter(form.errors.values()))[0], field="spending_cap", code="invalid"
        )
        return _after(request, pk, error=error)
    return _run(
        request,
        pk,
        "매주 참여해요. 모집이 열리면 자동으로 참여해 드릴게요.",
        services.subscription_create,
        spending_cap=form.cleaned_data["spending_cap"],
        use_points=form.cleaned_data["use_points"],
    )


@login_required
@require_POST
def unsubscribe(request, pk: int):
    return _run(
        request,
        pk,
        "매주 참여를 그만했어요. 이미 참여한 모집은 그대로예요.",
        services.subscription_delete,
    )


@login_required
@require_POST
def skip(request, pk: int):
    return _run(request, pk, "이번 모집은 건너뛸게요.", services.skip_set, skip=True)


@login_required
@require_POST
def unskip(request, pk: int):
    return _run(request, pk, "이번 모집에도 참여해요.", services.skip_set, skip=False)


@login_required
@require_POST
def pause(request, pk: int):
    return _run(request, pk, "정기 모집을 잠시 멈췄어요.", services.series_pause)


@login_required
@require_POST
def resume(request, pk: int):
    return _run(request, pk, "정기 모집을 다시 시작했어요.", services.series_resume)


@login_required
@require_POST
def end(request, pk: int):
    return _run(request, pk, "정기 모집을 끝냈어요. 더는 열리지 않아요.", services.series_end)
