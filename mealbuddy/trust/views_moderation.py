"""Staff pages for moderation: the report queue, one report with its context and the action
form, the audit log. Anyone but staff (signed in or not) is told nothing is here (404)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from mealbuddy.core.errors import ApplicationError, NotFound
from mealbuddy.core.forms import NamedErrorsMixin
from mealbuddy.trust import moderation
from mealbuddy.trust.models import ModerationAction


def _staff_only(request) -> None:
    try:
        moderation.staff_check(request.user)
    except NotFound:
        raise Http404 from None


class ActionForm(NamedErrorsMixin, forms.Form):
    """Types only; which actions fit, the reason and the days are the service's rules."""

    kind = forms.ChoiceField(label="조치", choices=ModerationAction.Kind.choices)
    reason = forms.CharField(
        label="사유",
        max_length=moderation.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="감사 기록에 남고, 경고·정지라면 당사자에게도 알려요.",
    )
    days = forms.IntegerField(
        label="정지 기간 (일)",
        required=False,
        min_value=1,
        max_value=10_000,
        help_text="이용 정지를 고를 때만 적어요.",
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["days"].max_value = settings.TRUST_SUSPEND_MAX_DAYS


def queue(request):
    _staff_only(request)
    current = moderation.report_queue(staff=request.user, sort=request.GET.get("sort", ""))
    return render(
        request,
        "trust/moderation_queue.html",
        {"queue": current, "sorts": moderation.SORTS},
    )


def _user_kinds() -> list[tuple[str, str]]:
    return [(k.value, k.label) for k in moderation.USER_KINDS]


@require_http_methods(["GET", "POST"])
def detail(request, report_id: int):
    _staff_only(request)
    try:
        context = moderation.report_detail(staff=request.user, report_id=report_id)
    except NotFound:
        raise Http404 from None
    on_user = request.POST.get("on") == "user"
    report_form = ActionForm(kinds=context.kinds, prefix="report") if context.kinds else None
    user_form = ActionForm(kinds=_user_kinds(), prefix="user")
    status = 200
    if request.method == "POST":
        form = (
            ActionForm(request.POST, kinds=_user_kinds(), prefix="user")
            if on_user
            else ActionForm(request.POST, kinds=context.kinds, prefix="report")
        )
        if on_user:
            user_form = form
        else:
            report_form = form
        if form.is_valid():
            try:
                moderation.moderation_act(
                    staff=request.user,
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    days=form.cleaned_data["days"],
                    report=None if on_user else context.report,
                    target_user=context.report.target_user if on_user else None,
                )
            except ApplicationError as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, "조치를 기록했어요.")
                return redirect("trust:moderation-queue")
        status = 400
    return render(
        request,
        "trust/moderation_detail.html",
        {"d": context, "report_form": report_form, "user_form": user_form},
        status=status,
    )


def log(request):
    _staff_only(request)
    return render(
        request,
        "trust/moderation_log.html",
        {"actions": moderation.moderation_log(staff=request.user)},
    )
