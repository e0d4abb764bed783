"""Account services: the rules every interface shares."""

from __future__ import annotations

import pytest
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from mealbuddy.accounts import services
from mealbuddy.accounts.errors import InvalidInput
from mealbuddy.accounts.models import Profile, User
from mealbuddy.accounts.tokens import tokens_for_user
from mealbuddy.chat.serializers import person_payload
from tests.conftest import SEOGYO
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD = "배고픈-저녁-2024"


def register(**overrides) -> User:
    kwargs = {
        "email": "a@example.com",
        "username": "가나다",
        "password": GOOD,
        "address": "서울특별시 마포구 서교동",
    }
    kwargs.update(overrides)
    return services.user_register(**kwargs)


def test_register_normalises_email_and_sets_region_point_and_profile():
    user = register(email="  Mixed.Case@Example.COM ", address="서울  마포구   서교동 395-166")
    assert user.email == "mixed.case@example.com"
    assert user.region.code == SEOGYO
    assert (user.lat, user.lon) == (user.region.lat, user.region.lon)
    assert user.address == "서울 마포구 서교동 395-166"
    assert Profile.objects.filter(user=user).exists()
    assert user.check_password(GOOD)


def test_email_is_unique_case_insensitively():
    register(email="same@example.com")
    with pytest.raises(InvalidInput) as exc:
        register(email="SAME@example.com", username="다른사람")
    assert exc.value.errors == {"email": ["이미 가입된 이메일이에요."]}


def test_username_is_unique_and_follows_the_rule():
    register(username="Kim")
    for taken in ("Kim", "kim"):
        with pytest.raises(InvalidInput) as exc:
            register(email=f"{taken}@example.com", username=taken)
        assert exc.value.errors["username"] == ["이미 사용 중인 닉네임이에요."]
    for bad in ("a", "x" * 21, "공백 있음", "(탈퇴한 사용자)#1", "<script>"):
        with pytest.raises(InvalidInput) as exc:
            register(email="b@example.com", username=bad)
        assert exc.value.errors["username"] == [services.USERNAME_RULE], bad


def test_tombstone_email_domain_cannot_be_registered():
    with pytest.raises(InvalidInput) as exc:
        register(email="deleted-1@deleted.invalid")
    assert "email" in exc.value.errors


def test_unknown_dong_is_an_address_error_asking_for_the_dong():
    with pytest.raises(InvalidInput) as exc:
        register(address="서울 마포구 없는동")
    assert "동" in exc.value.errors["address"][0]


def test_picker_region_that_is_not_a_dong_is_not_trusted(seogyo):
    mapo = seogyo.parent
    user = register(address="서울 마포구 서교동", region_id=mapo.pk)
    assert user.region == seogyo


def test_update_with_only_a_region_id_uses_its_full_name(user, far_region):
    services.user_update(user=user, region_id=far_region.pk)
    user.refresh_from_db()
    assert user.region == far_region and user.address == far_region.full_name


def test_update_with_an_empty_address_is_refused(user, seogyo):
    with pytest.raises(InvalidInput) as exc:
        services.user_update(user=user, address="   ")
    assert exc.value.errors == {"address": [services.ADDRESS_REQUIRED]}
    user.refresh_from_db()
    assert user.region == seogyo


def test_failed_update_leaves_the_user_object_unchanged(user):
    original = user.username
    other = UserFactory()
    with pytest.raises(InvalidInput):
        services.user_update(user=user, username=other.username, address="없는 곳")
    assert user.username == original


def test_change_password_blacklists_outstanding_refresh_tokens(user):
    tokens_for_user(user)
    tokens_for_user(user)
    services.user_change_password(
        user=user, current_password=DEFAULT_PASSWORD, new_password1=GOOD, new_password2=GOOD
    )
    assert OutstandingToken.objects.filter(user=user).count() == 2
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()


def test_new_password_similar_to_the_nickname_is_refused(user):
    user.username = "mealbuddyfan"
    user.save()
    with pytest.raises(InvalidInput) as exc:
        services.user_change_password(
            user=user,
            current_password=DEFAULT_PASSWORD,
            new_password1="mealbuddyfan1",
            new_password2="mealbuddyfan1",
        )
    assert exc.value.errors["new_password1"] == [
        "비밀번호가 닉네임과 너무 비슷해요. 다른 비밀번호를 입력해 주세요."
    ]


def test_deactivate_keeps_what_they_wrote_and_frees_email_and_nickname(user):
    from mealbuddy.groupbuys.services import groupbuy_create

    order = groupbuy_create(host=user, title="치킨 같이", category="치킨", target_count=3)
    email, username = user.email, user.username
    tokens_for_user(user)
    services.user_deactivate(user=user, password=DEFAULT_PASSWORD)

    user.refresh_from_db()
    order.refresh_from_db()
    assert order.host_id == user.pk  # the post stays
    assert person_payload(order.host) == {"id": user.pk, "username": "(탈퇴한 사용자)", "email": ""}
    assert str(user) == "(탈퇴한 사용자)"
    assert not user.has_usable_password() and not user.is_active and user.deactivated_at
    assert user.lat is None and user.address == ""
    assert not Profile.objects.filter(user=user).exists()
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    # the email and the nickname are free again
    again = register(email=email, username=username)
    assert again.pk != user.pk


def test_deactivate_with_the_wrong_password_changes_nothing(user):
    with pytest.raises(InvalidInput) as exc:
        services.user_deactivate(user=user, password="틀림")
    assert exc.value.errors == {"password": [services.WRONG_PASSWORD]}
    user.refresh_from_db()
    assert user.is_active


def test_deactivating_twice_is_refused(user):
    services.user_deactivate(user=user, password=DEFAULT_PASSWORD)
    with pytest.raises(InvalidInput):
        services.user_deactivate(user=user, password=DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "1.1.1.1", "198.51.100.1"),
        (1, "10.0.0.1", "1.1.1.1, 203.0.113.9", "203.0.113.9"),
        (2, "10.0.0.1", "1.1.1.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1", "", "10.0.0.1"),
    ],
)
def test_client_ip(settings, rf, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert services.client_ip(request) == expected


def test_deactivating_cancels_hosted_orders_and_leaves_joined_ones(user):
    from mealbuddy.groupbuys.models import GroupOrder, Participation
    from mealbuddy.groupbuys.services import (
        groupbuy_close,
        groupbuy_create,
        groupbuy_join,
        groupbuy_status_change,
    )
    from mealbuddy.notifications.models import Notification

    neighbour = UserFactory()
    hosted = groupbuy_create(host=user, title="내가 여는 치킨", category="치킨", target_count=3)
    groupbuy_join(group_order_id=hosted.pk, user=neighbour)
    joined = groupbuy_create(host=neighbour, title="이웃의 피자", category="피자", target_count=3)
    groupbuy_join(group_order_id=joined.pk, user=user)
    placed = groupbuy_create(
        host=neighbour, title="주문한 족발", category="족발,보쌈", target_count=2
    )
    groupbuy_join(group_order_id=placed.pk, user=user)
    groupbuy_close(group_order_id=placed.pk, user=neighbour)
    groupbuy_status_change(group_order_id=placed.pk, user=neighbour, status="ordered")

    services.user_deactivate(user=user, password=DEFAULT_PASSWORD)

    hosted.refresh_from_db()
    joined.refresh_from_db()
    assert hosted.status == GroupOrder.Status.CANCELLED
    assert Notification.objects.filter(
        user=neighbour, group_order=hosted, kind=Notification.Kind.CANCELLED
    ).exists()
    assert joined.member_count == 1
    assert not Participation.objects.filter(group_order=joined, user=user).exists()
    # An order already placed keeps them: the others still settle up with them.
    assert Participation.objects.filter(group_order=placed, user=user).exists()
