"""Page forms for 충전 and 출금: they parse input; amounts and accounts are checked by services."""

from __future__ import annotations

from django import forms

from mealbuddy.core.forms import NamedErrorsMixin
from mealbuddy.core.input import MAX_BIGINT

BANKS = [
    ("국민", "KB국민은행"),
    ("신한", "신한은행"),
    ("우리", "우리은행"),
    ("하나", "하나은행"),
    ("농협", "NH농협은행"),
    ("기업", "IBK기업은행"),
    ("카카오뱅크", "카카오뱅크"),
    ("토스뱅크", "토스뱅크"),
    ("케이뱅크", "케이뱅크"),
]

# The test provider's outcomes (wallet/providers/testing.py): chosen here instead of a card.
TEST_OUTCOMES = [("approve", "승인"), ("decline", "거절 (카드사)"), ("timeout", "응답 없음")]


def _amount(*, step: int = 1000) -> forms.IntegerField:
    return forms.IntegerField(
        label="금액 (원)",
        min_value=0,
        max_value=MAX_BIGINT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": step}),
    )


class TopUpForm(NamedErrorsMixin, forms.Form):
    # Two forms on one page: distinct ids keep each label tied to its own field.
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "topup_%s")
        super().__init__(*args, **kwargs)

    # Any whole won: a "충전하기" link fills in exactly what an order is short of (3,500원),
    # which a browser would refuse to submit with a 1,000-won step.
    amount = _amount(step=1)
    outcome = forms.ChoiceField(
        label="테스트 결제 결과", choices=TEST_OUTCOMES, initial="approve", required=False
    )


class WithdrawalForm(NamedErrorsMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "withdraw_%s")
        super().__init__(*args, **kwargs)

    amount = _amount()
    bank = forms.ChoiceField(label="은행", choices=BANKS)
    account_number = forms.CharField(
        label="계좌번호",
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    holder = forms.CharField(label="예금주", max_length=30)
