"""Pages for 차단 and 신고: "차단한 이웃" (settings), the block confirmation reached from a
profile, and the report form reached from an order, a chat message, a profile, or a 동네생활
post or comment.

Each view parses a form, calls one service, renders (STYLE.md); without JavaScript every
form posts and redirects (or re-renders with the refusal beside its field).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.forms import NamedErrorsMixin
from mealbuddy.core.input import id_or_none
from mealbuddy.core.navigation import next_path
from mealbuddy.trust import reports, services
from mealbuddy.trust.models import Report
from mealbuddy.trust.selectors import blocks_made, blocks_made_ids


def _error(request, exc: ApplicationError):
    return render(
        request, "trust/block_error.html", {"message": exc.message}, status=exc.status_code
    )


@login_required
def blocks(request):
    """차단한 이웃: everyone I blocked, each with a "차단 풀기" button."""
    return render(request, "trust/blocks.html", {"blocks": blocks_made(user=request.user)})


@login_required
@require_POST
def unblock(request, user_id: int):
    if services.block_delete(blocker=request.user, blocked_id=user_id):
        messages.success(request, "차단을 풀었어요. 이제 서로의 모집글과 메시지가 다시 보여요.")
    return HttpResponseRedirect(next_path(request, reverse("trust:blocks")))


@login_required
def block(request, user_id: int):
    """GET: what blocking does, and a button to confirm. POST: block, then back."""
    person = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if person is None or person.pk == request.user.pk:
        message = "나 자신은 차단할 수 없어요." if person else "이웃을 찾을 수 없어요."
        return _error(request, ApplicationError(message, status_code=400 if person else 404))
    if request.method == "POST":
        try:
            services.block_create(blocker=request.user, blocked_id=person.pk)
        except ApplicationError as exc:
            return _error(request, exc)
        messages.success(request, f"{person.display_name} 님을 차단했어요.")
        return HttpResponseRedirect(next_path(request, reverse("trust:blocks")))
    context = {
        "person": person,
        "already": person.pk in blocks_made_ids(user_id=request.user.pk),
        "next": next_path(request, ""),
    }
    return render(request, "trust/block_confirm.html", context)


class ReportForm(NamedErrorsMixin, forms.Form):
    reason = forms.ChoiceField(
        label="신고 이유", choices=Report.Reason.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label="자세한 내용 (선택)",
        required=False,
        max_length=reports.REPORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"{reports.REPORT_TEXT_MAX}자까지 쓸 수 있어요. 신고한 사람은 상대에게 알리지 않아요.",
    )


# The query key each kind is reached by, in the form's hidden field too.
TARGET_KEYS = {
    "order": Report.Target.ORDER,
    "message": Report.Target.MESSAGE,
    "user": Report.Target.USER,
    "post": Report.Target.POST,
    "comment": Report.Target.COMMENT,
}


def _target_from(params) -> tuple[str, int | None]:
    for key, kind in TARGET_KEYS.items():
        if key in params:
            return kind, id_or_none(params.get(key))
    return "", None


def _target_kwargs(kind: str, target_id) -> dict:
    return {f"{kind}_id": target_id} if kind else {}


@login_required
def report(request):
    """신고하기: GET ``?order=`` / ``?message=`` / ``?user=`` / ``?post=`` / ``?comment=`` shows
    the form for something the
    viewer can see (404 otherwise, as the service answers); POST sends it."""
    params = request.POST if request.method == "POST" else request.GET
    kind, target_id = _target_from(params)
    try:
        found = reports.report_target(
            reporter=request.user, kind=kind, **_target_kwargs(kind, target_id)
        )
    except ApplicationError as exc:
        return _error(request, exc)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _, created = reports.report_create(
                    reporter=request.user,
                    target=kind,
                    reason=form.cleaned_data["reason"],
                    text=form.cleaned_data["text"],
                    **_target_kwargs(kind, target_id),
                )
            except ApplicationError as exc:
                if exc.field in ("reason", "text"):
                    form.add_error(exc.field, exc.message)
                else:
                    form.add_error(None, exc.message)
            else:
                done = reports.REPORTED if created else reports.ALREADY_REPORTED
                return render(
                    request,
                    "trust/report_done.html",
                    {"message": done, "target": found, "next": next_path(request, "")},
                )
        status = 400
    context = {
        "form": form,
        "target": found,
        "key": next(k for k, v in TARGET_KEYS.items() if v == kind),
        "target_id": target_id,
        "next": next_path(request, ""),
    }
    return render(request, "trust/report.html", context, status=status)
