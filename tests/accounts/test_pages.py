"""Account pages: session log-in, forms keep what was typed and show field errors."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from mealbuddy.accounts.models import User
from tests.conftest import SEOGYO
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "새로운-비밀번호-2025"


def signup_data(**overrides):
    data = {
        "email": "page@example.com",
        "username": "페이지이웃",
        "password1": "배고픈-저녁-2024",
        "password2": "배고픈-저녁-2024",
        "address": "서울특별시 마포구 서교동",
        "region": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_signup_page_has_the_region_picker(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-region-picker" in html and "현재 위치로" in html
    assert '<label for="id_email">' in html


def test_signup_logs_in_and_redirects(client, far_region):
    data = signup_data(address=far_region.full_name, region=str(far_region.pk))
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302
    assert response.url == resolve_url(settings.LOGIN_REDIRECT_URL)
    user = User.objects.get(email="page@example.com")
    assert user.region == far_region
    assert client.get("/accounts/me/").status_code == 200


def test_signup_picker_id_for_an_ambiguous_dong_wins(client):
    from mealbuddy.regions.models import Region

    sinsa = Region.objects.filter(level="emd", name="신사동").order_by("code")
    assert sinsa.count() > 1
    chosen = sinsa.last()
    response = client.post(
        "/accounts/signup/", signup_data(address="신사동", region=str(chosen.pk))
    )
    assert response.status_code == 302
    assert User.objects.get(email="page@example.com").region == chosen


def test_signup_stale_picker_id_loses_to_the_typed_address(client, far_region):
    response = client.post(
        "/accounts/signup/",
        signup_data(address="서울 마포구 서교동 12", region=str(far_region.pk)),
    )
    assert response.status_code == 302
    assert User.objects.get(email="page@example.com").region.code == SEOGYO


def test_signup_errors_are_shown_per_field_and_input_is_kept(client, user):
    data = signup_data(
        email=user.email.upper(),
        username="x",
        password1="1234",
        password2="1234",
        address="마포구 와우산로 94",
    )
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "이미 가입된 이메일이에요." in html
    assert "닉네임은 2~20자" in html
    assert "비밀번호가 너무 짧아요" in html
    assert "동" in response.context["form"].errors["address"][0]
    # kept: what was typed (but never the passwords)
    assert f'value="{user.email.upper()}"' in html
    assert 'value="마포구 와우산로 94"' in html
    assert 'value="1234"' not in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_email_errors"' in html
    assert User.objects.count() == 1


def test_signup_empty_form_shows_every_missing_field(client):
    response = client.post("/accounts/signup/", {})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"email", "username", "password1", "address"}
    assert errors["password1"] == ["비밀번호를 입력해 주세요."]


def test_signup_password_mismatch(client):
    response = client.post("/accounts/signup/", signup_data(password2="다른-비밀번호-1"))
    assert response.status_code == 400
    assert response.context["form"].errors["password2"] == ["비밀번호가 서로 일치하지 않아요."]


def test_login_and_logout(client, user):
    response = client.post("/accounts/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/me/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # logout is POST only
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert client.get("/accounts/me/").status_code == 302


def test_login_follows_a_safe_next_only(client, user):
    body = {"email": user.email, "password": DEFAULT_PASSWORD}
    response = client.post("/accounts/login/?next=/accounts/profile/", body)
    assert response.url == "/accounts/profile/"
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/?next=https://evil.example/", body)
    assert response.url == resolve_url(settings.LOGIN_REDIRECT_URL)


def test_login_wrong_password_keeps_the_email(client, user):
    response = client.post("/accounts/login/", {"email": user.email, "password": "틀림"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "이메일 또는 비밀번호가 올바르지 않아요." in html
    assert f'value="{user.email}"' in html


def test_login_page_is_throttled_by_the_same_counter_as_the_api(client, user, settings):
    settings.LOGIN_THROTTLE_LIMIT = 2
    from rest_framework.test import APIClient

    APIClient().post("/api/user/login/", {"email": user.email, "password": "틀림"})
    client.post("/accounts/login/", {"email": user.email, "password": "틀림"})
    response = client.post("/accounts/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "로그인 시도가 너무 많아요" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_need_login(client):
    for path in ("/accounts/me/", "/accounts/password/", "/accounts/delete/", "/accounts/profile/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/?next="), (
            path
        )


def test_me_changes_nickname_and_neighbourhood(logged_in, user):
    response = logged_in.get("/accounts/me/")
    assert response.status_code == 200
    assert f'value="{user.username}"' in response.content.decode()
    response = logged_in.post(
        "/accounts/me/",
        {"username": "새닉네임", "address": "경기 성남시 분당구 정자동", "region": ""},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.username == "새닉네임" and user.region.full_name == "경기도 성남시 분당구 정자동"


def test_me_errors_keep_what_was_typed(logged_in, user):
    other = UserFactory()
    response = logged_in.post(
        "/accounts/me/", {"username": other.username, "address": "아무데나 123", "region": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "이미 사용 중인 닉네임이에요." in html
    assert 'value="아무데나 123"' in html
    user.refresh_from_db()
    assert user.username != other.username and user.region.code == SEOGYO


def test_password_change_keeps_this_session(logged_in, user):
    response = logged_in.post(
        "/accounts/password/",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert logged_in.get("/accounts/me/").status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_change_logs_out_other_sessions(user):
    this, other = Client(), Client()
    this.force_login(user)
    other.force_login(user)
    this.post(
        "/accounts/password/",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert other.get("/accounts/me/").status_code == 302


def test_password_change_errors_per_field(logged_in):
    response = logged_in.post(
        "/accounts/password/",
        {"current_password": "틀림", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["current_password"] == [
        "현재 비밀번호가 올바르지 않아요."
    ]
    response = logged_in.post(
        "/accounts/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password1": "abc", "new_password2": "abc"},
    )
    assert "비밀번호가 너무 짧아요" in response.context["form"].errors["new_password1"][0]


def test_delete_needs_the_password_then_frees_the_email(logged_in, user, client):
    response = logged_in.post("/accounts/delete/", {"password": "틀림"})
    assert response.status_code == 400
    assert "비밀번호가 올바르지 않아요." in response.content.decode()
    email = user.email
    response = logged_in.post("/accounts/delete/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert logged_in.get("/accounts/me/").status_code == 302
    user.refresh_from_db()
    assert not user.is_active and user.display_name == "(탈퇴한 사용자)"
    assert user.email != email and user.address == ""
    # the address can sign up again, as a new account
    response = client.post("/accounts/signup/", signup_data(email=email, username="돌아온이웃"))
    assert response.status_code == 302
    assert User.objects.get(email=email).pk != user.pk


def test_profile_page_saves_choices_and_keeps_them_on_error(logged_in, user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = logged_in.get("/accounts/profile/")
    assert response.status_code == 200
    response = logged_in.post(
        "/accounts/profile/",
        {
            "gender": "male",
            "age_band": "20s",
            "spicy_tolerance": "1",
            "dietary_restrictions": ["vegan"],
            "favourite_categories": ["피자", "분식"],
        },
    )
    assert response.status_code == 302
    user.profile.refresh_from_db()
    assert user.profile.spicy_tolerance == 1 and user.profile.favourite_categories == [
        "피자",
        "분식",
    ]

    from django.core.files.uploadedfile import SimpleUploadedFile

    response = logged_in.post(
        "/accounts/profile/",
        {
            "gender": "female",
            "age_band": "20s",
            "spicy_tolerance": "3",
            "favourite_categories": ["치킨"],
            "avatar": SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg"),
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["avatar"] == ["이미지 파일이 아니거나 손상된 파일이에요."]
    html = response.content.decode()
    assert (
        'value="female" selected' in html or 'value="female" id' in html or "selected>여성" in html
    )
    assert form["favourite_categories"].value() == ["치킨"]
    user.profile.refresh_from_db()
    assert user.profile.gender == "male"  # nothing saved
