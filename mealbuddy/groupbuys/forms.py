"""Page forms: they parse types only; the rules live in services (errors come back here)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from mealbuddy.core.errors import ApplicationError
from mealbuddy.groupbuys.models import CATEGORY_CHOICES, GroupOrder
from mealbuddy.groupbuys.services import DEFAULT_DEADLINE

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class GroupOrderForm(forms.Form):
    title = forms.CharField(label="제목", max_length=30, help_text="30자 이내")
    category = forms.ChoiceField(label="카테고리", choices=[("", "골라 주세요"), *CATEGORY_CHOICES])
    restaurant = forms.CharField(label="가게 이름", max_length=50, required=False)
    min_order_amount = forms.IntegerField(
        label="최소주문금액 (원)", min_value=0, initial=0, help_text="가게가 정한 최소주문금액"
    )
    delivery_fee = forms.IntegerField(label="배달비 (원)", min_value=0, initial=0)
    target_count = forms.IntegerField(
        label="모집 인원", min_value=2, max_value=10, initial=3, help_text="나를 포함해 2~10명"
    )
    deadline = forms.DateTimeField(
        label="마감 시각",
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="지금부터 10분 뒤 ~ 24시간 안",
    )
    pickup_spot = forms.CharField(label="수령 장소", max_length=100, required=False)
    fee_split = forms.ChoiceField(
        label="배달비 나누기",
        choices=GroupOrder.FeeSplit.choices,
        initial=GroupOrder.FeeSplit.EQUAL,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label="내용", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "deadline" not in self.initial:
            local = timezone.localtime(timezone.now() + DEFAULT_DEADLINE)
            self.initial["deadline"] = local.replace(second=0, microsecond=0)


class ItemForm(forms.Form):
    name = forms.CharField(label="메뉴", max_length=50)
    unit_price = forms.IntegerField(label="가격 (원)", min_value=0)
    quantity = forms.IntegerField(label="수량", min_value=1, max_value=99, initial=1)


def add_service_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service error (one or many fields) onto the form."""
    for field, messages in exc.as_errors().items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def initial_from(group_order: GroupOrder) -> dict:
    return {
        "title": group_order.title,
        "category": group_order.category,
        "restaurant": group_order.restaurant,
        "min_order_amount": group_order.min_order_amount,
        "delivery_fee": group_order.delivery_fee,
        "target_count": group_order.target_count,
        "deadline": timezone.localtime(group_order.deadline),
        "pickup_spot": group_order.pickup_spot,
        "fee_split": group_order.fee_split,
        "description": group_order.description,
    }
