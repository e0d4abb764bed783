"""Page forms: they parse types only; the rules live in services (errors come back here)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from mealbuddy.core.forms import NamedErrorsMixin
from mealbuddy.groupbuys.models import CATEGORY_CHOICES, MAX_NOSHOW_DEPOSIT, GroupOrder
from mealbuddy.groupbuys.services import DEFAULT_DEADLINE

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

# One line under each payment choice (what it means for the people who join).
PAYMENT_HELP = {
    GroupOrder.Payment.DIRECT: "주문한 뒤 각자 방장에게 송금해요. 누가 보냈는지는 정산에서 함께 확인해요.",
    GroupOrder.Payment.PREPAID: "참여할 때 부담액이 지갑에 보관되고, 주문하면 방장에게 자동으로 정산돼요.",
}


class GroupOrderForm(NamedErrorsMixin, forms.Form):
    title = forms.CharField(
        label="제목",
        max_length=30,
        help_text="30자 이내",
        widget=forms.TextInput(attrs={"placeholder": "예: 허니콤보 같이 시켜요"}),
    )
    category = forms.ChoiceField(label="카테고리", choices=[("", "골라 주세요"), *CATEGORY_CHOICES])
    restaurant = forms.CharField(
        label="가게 이름",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "예: 교촌치킨 홍대점"}),
    )
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
    pickup_spot = forms.CharField(
        label="수령 장소",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "예: 서교동 주민센터 앞"}),
    )
    fee_split = forms.ChoiceField(
        label="배달비 나누기",
        choices=GroupOrder.FeeSplit.choices,
        initial=GroupOrder.FeeSplit.EQUAL,
        widget=forms.RadioSelect,
    )
    payment = forms.ChoiceField(
        label="결제 방식",
        choices=GroupOrder.Payment.choices,
        initial=GroupOrder.Payment.DIRECT,
        widget=forms.RadioSelect,
        required=False,  # not sent: left as it is (the service's default on a new order)
    )
    noshow_deposit = forms.IntegerField(
        label="노쇼 보증금 (원)",
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 500}),
        help_text=(
            f"'앱에서 결제'일 때만 받아요. 0~{MAX_NOSHOW_DEPOSIT:,}원, 음식을 받으면 돌려드려요."
        ),
    )
    settle_account = forms.CharField(
        label="정산 받을 계좌 또는 송금 링크",
        max_length=100,
        required=False,
        help_text="'직접 정산'일 때 멤버들에게 보여 줘요. 예: 국민 123-45-6789 김밀버",
    )
    verified_only = forms.BooleanField(
        label="동네인증한 이웃만 참여할 수 있어요",
        required=False,
        help_text="위치로 동네를 인증한 이웃만 참여할 수 있게 해요.",
    )
    description = forms.CharField(
        label="내용",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "주문 시간, 메뉴 정하는 법 등"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "deadline" not in self.initial:
            local = timezone.localtime(timezone.now() + DEFAULT_DEADLINE)
            self.initial["deadline"] = local.replace(second=0, microsecond=0)

    def clean_noshow_deposit(self) -> int:
        # Empty means none; the range and "prepaid only" are the service's to refuse.
        return self.cleaned_data.get("noshow_deposit") or 0

    def service_data(self) -> dict:
        """The cleaned fields for the create/update service (an unsent payment left out)."""
        data = dict(self.cleaned_data)
        if not data.get("payment"):
            data.pop("payment", None)
        return data

    @property
    def payment_options(self) -> list[tuple]:
        """Each payment radio with its one-line explanation (for the template)."""
        return [(radio, PAYMENT_HELP[radio.data["value"]]) for radio in self["payment"]]


class MemberPrefsForm(NamedErrorsMixin, forms.Form):
    """A member's own settings on one order (``services.member_prefs_set``)."""

    spending_cap = forms.IntegerField(
        label="내 한도 (원)",
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1000}),
        help_text="비워 두면 한도 없이 담을 수 있어요.",
    )
    use_points = forms.BooleanField(label="포인트 먼저 쓰기", required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "prefs_%s")
        super().__init__(*args, **kwargs)


class ReceiptForm(NamedErrorsMixin, forms.Form):
    receipt = forms.FileField(
        label="영수증 사진",
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text="JPEG, PNG, WEBP, GIF · 5MB 이하",
        error_messages={"required": "올릴 사진을 골라 주세요."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "receipt_%s")
        super().__init__(*args, **kwargs)


class ItemForm(NamedErrorsMixin, forms.Form):
    name = forms.CharField(
        label="메뉴", max_length=50, error_messages={"required": "메뉴 이름을 입력해 주세요."}
    )
    unit_price = forms.IntegerField(label="가격 (원)", min_value=0)
    quantity = forms.IntegerField(label="수량", min_value=1, max_value=99, initial=1)


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
        "payment": group_order.payment,
        "noshow_deposit": group_order.noshow_deposit,
        "settle_account": group_order.settle_account,
        "verified_only": group_order.verified_only,
        "description": group_order.description,
    }
