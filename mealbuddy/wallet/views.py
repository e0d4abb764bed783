"""The 지갑 page: balances, history with the balance after each line, 충전 and 출금 forms.

Plain forms, no script (CSP): each POST calls one service and redirects, or re-renders the
page with the service's message next to the field.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mealbuddy.accounts.throttling import write_throttled
from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.forms import add_service_errors
from mealbuddy.core.input import MAX_BIGINT, int_or_none
from mealbuddy.wallet import selectors, services
from mealbuddy.wallet.forms import TopUpForm, WithdrawalForm
from mealbuddy.wallet.models import Account
from mealbuddy.wallet.providers import provider_get

KIND_LABELS = {
    "topup": "충전",
    "hold": "주문 보관",
    "release": "보관금 반환",
    "refund": "보관금 환불",
    "capture": "주문 정산",
    "deposit_return": "보증금 반환",
    "deposit_forfeit": "노쇼 보증금",
    "points": "포인트 적립",
    "payout_hold": "출금 신청",
    "payout_settle": "출금 완료",
    "payout_fail": "출금 실패 (반환)",
}


DEFAULT_TOPUP = 10_000


def _asked_amount(request) -> int | None:
    """``?amount=N`` (a "충전하기" link from an order short of money): the top-up to offer.
    Anything but a positive whole number is ignored; the service still checks the bounds."""
    value = int_or_none(request.GET.get("amount"))
    return value if value is not None and 0 < value <= MAX_BIGINT else None


def _page(request, *, topup_form=None, withdrawal_form=None, status: int = 200):
    asked = _asked_amount(request)
    account = "points" if request.GET.get("account") == "points" else "cash"
    kind = Account.Kind.USER_POINTS if account == "points" else Account.Kind.USER_CASH
    rows, has_more = selectors.wallet_history(user=request.user, kind=kind)
    provider = provider_get()
    return render(
        request,
        "wallet/wallet.html",
        {
            "summary": {
                k: f"{v:,}" for k, v in selectors.wallet_summary(user=request.user).items()
            },
            "account": account,
            "history": [
                {
                    "label": KIND_LABELS.get(entry.transfer.kind, entry.transfer.kind),
                    "memo": entry.transfer.memo,
                    "incoming": entry.amount > 0,
                    "amount": f"{entry.amount:+,}",
                    "balance_after": f"{entry.running_balance:,}",
                    "created_at": entry.transfer.created_at,
                }
                for entry in rows
            ],
            "has_more": has_more,
            "withdrawals": [
                {
                    "amount": f"{w.amount:,}",
                    "bank": w.bank,
                    "status": w.get_status_display(),
                    "failure": w.failure,
                    "created_at": w.created_at,
                }
                for w in selectors.withdrawal_recent(user=request.user)
            ],
            "topup_form": topup_form or TopUpForm(initial={"amount": asked or DEFAULT_TOPUP}),
            "asked_amount": f"{asked:,}" if asked else "",
            "withdrawal_form": withdrawal_form or WithdrawalForm(),
            "test_provider": provider.name == "test",
        },
        status=status,
    )


@login_required
def wallet_home(request):
    return _page(request)


@login_required
@require_POST
@write_throttled("wallet")
def wallet_topup(request):
    form = TopUpForm(request.POST)
    if provider_get().name != "test":
        # Toss's payment widget (a script from Toss) is not on this page yet.
        messages.error(request, "이 화면에서는 테스트 결제사로만 충전할 수 있어요.")
        return redirect("wallet:home")
    if not form.is_valid():
        return _page(request, topup_form=form, status=400)
    try:
        topup = services.topup_request(user=request.user, amount=form.cleaned_data["amount"])
        # The test provider's "widget": the chosen outcome is the payment key's marker.
        outcome = form.cleaned_data.get("outcome") or "approve"
        payment_key = f"{outcome}-{secrets.token_hex(8)}"
        services.topup_confirm(
            user=request.user,
            order_id=topup.order_id,
            payment_key=payment_key,
            amount=topup.amount,
        )
    except ApplicationError as exc:
        add_service_errors(form, exc)
        return _page(request, topup_form=form, status=exc.status_code)
    messages.success(request, f"{topup.amount:,}원을 충전했어요.")
    return redirect("wallet:home")


@login_required
@require_POST
@write_throttled("wallet")
def wallet_withdraw(request):
    form = WithdrawalForm(request.POST)
    if not form.is_valid():
        return _page(request, withdrawal_form=form, status=400)
    try:
        withdrawal = services.withdrawal_request(user=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(form, exc)
        return _page(request, withdrawal_form=form, status=exc.status_code)
    messages.success(
        request, f"{withdrawal.amount:,}원 출금을 신청했어요. 처리되면 내역에 표시돼요."
    )
    return redirect("wallet:home")
