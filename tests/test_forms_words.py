"""Form errors in one tone: every required-field error says which field, in 해요체, on every
page form (group orders, accounts, wallet); Django's stock words never show."""

from __future__ import annotations

import inspect
import re

import pytest
from django import forms
from django.test import Client

from mealbuddy.accounts import forms as account_forms
from mealbuddy.community import forms as community_forms
from mealbuddy.core.forms import field_name, particle
from mealbuddy.groupbuys import forms as groupbuy_forms
from mealbuddy.groupbuys.services import groupbuy_create
from mealbuddy.recommend import forms as recommend_forms
from mealbuddy.wallet import forms as wallet_forms
from tests.factories import UserFactory

STOCK = (
    "필수 항목입니다",
    "This field is required",
    "정수를 입력하세요",
    "확인하십시오",
    "확인하세요",
    "올바르게 입력하세요",
    "유효한",
    "올바른 선택",
    "Enter a",
    "Ensure this",
)

FORM_CLASSES = [
    cls
    for module in (groupbuy_forms, account_forms, wallet_forms, recommend_forms, community_forms)
    for _, cls in inspect.getmembers(module, inspect.isclass)
    if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
]


def test_the_form_list_is_complete():
    names = {cls.__name__ for cls in FORM_CLASSES}
    assert {"GroupOrderForm", "ItemForm", "ReceiptForm", "MemberPrefsForm"} <= names
    assert {"SignupForm", "LoginForm", "MeForm", "PasswordForm", "DeleteForm"} <= names
    assert {"ProfileForm", "TopUpForm", "WithdrawalForm", "WishForm"} <= names


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda c: c.__name__)
def test_every_required_field_names_itself(form_class):
    form = form_class(data={})
    form.is_valid()
    for name, field in form.fields.items():
        if not field.required:
            continue
        messages = form.errors.get(name)
        assert messages, (form_class.__name__, name)
        message = messages[0]
        assert not any(stock in message for stock in STOCK), message
        assert message.endswith("주세요."), message  # 해요체, asking
        if name == "receipt":
            assert "사진" in message
        else:
            assert field_name(field.label).split()[0] in message, (name, message)


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda c: c.__name__)
def test_no_stock_message_is_left_on_any_field(form_class):
    for name, field in form_class().fields.items():
        for code, message in field.error_messages.items():
            assert not any(stock in str(message) for stock in STOCK), (name, code, message)


def test_korean_particles():
    assert particle("제목", "을", "를") == "제목을"
    assert particle("카테고리", "을", "를") == "카테고리를"
    assert particle("모집 인원", "은", "는") == "모집 인원은"
    assert particle("ID", "을", "를") == "ID을(를)"
    assert field_name("최소주문금액 (원)") == "최소주문금액"


def test_type_and_range_errors_name_the_field_too():
    form = groupbuy_forms.GroupOrderForm(
        data={"title": "가" * 31, "min_order_amount": "많이", "target_count": "11"}
    )
    form.is_valid()
    assert form.errors["title"] == ["제목은 30자 이내로 입력해 주세요. (지금 31자)"]
    assert form.errors["min_order_amount"] == ["최소주문금액은 숫자로 입력해 주세요."]
    assert form.errors["target_count"] == ["모집 인원은 10 이하로 입력해 주세요."]
    assert form.errors["category"] == ["카테고리를 골라 주세요."]
    form = groupbuy_forms.GroupOrderForm(data={"category": "없는 것", "deadline": "어제"})
    form.is_valid()
    assert form.errors["category"] == ["카테고리를 목록에서 골라 주세요."]
    assert form.errors["deadline"] == ["마감 시각을 올바르게 입력해 주세요."]


def test_a_message_a_field_sets_itself_is_kept():
    form = groupbuy_forms.ReceiptForm(data={})
    form.is_valid()
    assert form.errors["receipt"] == ["올릴 사진을 골라 주세요."]
    form = recommend_forms.WishForm(data={"wish": "가" * 101})
    form.is_valid()
    assert form.errors["wish"] == ["100자까지 입력할 수 있어요."]


def test_class_fields_are_not_changed_for_other_forms():
    groupbuy_forms.GroupOrderForm()
    stock = forms.CharField.default_error_messages["required"]
    assert groupbuy_forms.GroupOrderForm.base_fields["title"].error_messages["required"] == stock


# --- on the pages -------------------------------------------------------------------------


def errors_of(page: str) -> list[str]:
    return [m.strip() for m in re.findall(r"<li>([^<]*)</li>", page)]


@pytest.fixture
def person(db):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def assert_named(page: str, expected: list[str]):
    for stock in STOCK:
        assert stock not in page, stock
    shown = errors_of(page)
    for message in expected:
        assert message in shown, (message, shown)


@pytest.mark.django_db
def test_write_page(person):
    page = person.post("/groupbuys/new/", {}).content.decode()
    assert_named(
        page,
        [
            "제목을 입력해 주세요.",
            "카테고리를 골라 주세요.",
            "최소주문금액을 입력해 주세요.",
            "배달비를 입력해 주세요.",
            "모집 인원을 입력해 주세요.",
            "마감 시각을 입력해 주세요.",
            "배달비 나누기를 골라 주세요.",
        ],
    )


@pytest.mark.django_db
def test_item_form_on_the_order_page(person):
    order = groupbuy_create(host=person.user, title="치킨", category="치킨", target_count=3)
    response = person.post(f"/groupbuys/{order.pk}/items/", {})
    assert response.status_code == 400
    assert_named(
        response.content.decode(),
        ["메뉴 이름을 입력해 주세요.", "가격을 입력해 주세요.", "수량을 입력해 주세요."],
    )


@pytest.mark.django_db
def test_account_pages(person):
    page = person.post("/accounts/password/", {}).content.decode()
    assert_named(
        page,
        [
            "현재 비밀번호를 입력해 주세요.",
            "새 비밀번호를 입력해 주세요.",
            "새 비밀번호를 한 번 더 입력해 주세요.",
        ],
    )
    assert_named(
        person.post("/accounts/delete/", {}).content.decode(), ["비밀번호를 입력해 주세요."]
    )
    assert_named(
        person.post("/accounts/me/", {"username": ""}).content.decode(), ["닉네임을 입력해 주세요."]
    )
    assert_named(person.post("/accounts/profile/", {}).content.decode(), ["매운맛을 골라 주세요."])


@pytest.mark.django_db
def test_login_and_signup_pages(client):
    page = client.post("/accounts/login/", {}).content.decode()
    assert_named(page, ["이메일을 입력해 주세요.", "비밀번호를 입력해 주세요."])
    page = client.post("/accounts/login/", {"email": "메일아님", "password": "x"}).content.decode()
    assert_named(page, ["올바른 이메일 주소를 입력해 주세요."])
    page = client.post("/accounts/signup/", {}).content.decode()
    assert_named(
        page, ["이메일을 입력해 주세요.", "닉네임을 입력해 주세요.", "비밀번호를 입력해 주세요."]
    )


@pytest.mark.django_db
def test_wallet_pages(person):
    page = person.post("/wallet/topup/", {}).content.decode()
    assert_named(page, ["금액을 입력해 주세요."])
    page = person.post("/wallet/withdraw/", {}).content.decode()
    assert_named(
        page,
        [
            "금액을 입력해 주세요.",
            "은행을 골라 주세요.",
            "계좌번호를 입력해 주세요.",
            "예금주를 입력해 주세요.",
        ],
    )
    page = person.post("/wallet/topup/", {"amount": "만원"}).content.decode()
    assert_named(page, ["금액은 숫자로 입력해 주세요."])
