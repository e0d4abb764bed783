"""Avatars: square sizes made once at upload, shown with the 동네인증 badge and 매너 점수
beside names on the board, the order page and in chat, within the pages' query budgets."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from mealbuddy.accounts.models import Profile
from mealbuddy.chat.services import message_post
from mealbuddy.groupbuys.models import OrderItem
from mealbuddy.groupbuys.services import groupbuy_join
from mealbuddy.trust.models import Standing
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.trust.test_verification_orders import verify

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}

RED, GREEN, BLUE = (220, 20, 20), (20, 200, 20), (20, 20, 220)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def striped(size=(900, 300)) -> SimpleUploadedFile:
    """Red | green | blue thirds side by side: a centre crop is all green."""
    width, height = size
    image = Image.new("RGB", size, RED)
    image.paste(GREEN, (width // 3, 0, 2 * width // 3, height))
    image.paste(BLUE, (2 * width // 3, 0, width, height))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def close(pixel, colour, slack=40) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(pixel[:3], colour, strict=True))


def test_upload_makes_centre_cropped_squares_of_96_and_256(django_capture_on_commit_callbacks):
    user = UserFactory()
    client = client_for(user)
    response = client.patch("/api/me/profile/", {"avatar": striped()}, format="multipart")
    assert response.status_code == 200, response.content
    profile = Profile.objects.get(user=user)
    for field, side in (("avatar_thumb", 96), ("avatar_large", 256)):
        with Image.open(getattr(profile, field).path) as stored:
            assert stored.size == (side, side)
            rgb = stored.convert("RGB")
            # Inset a little: resampling blurs the very edge of the crop.
            near, far = side // 10, side - 1 - side // 10
            for corner in ((near, near), (far, near), (near, far), (far, far)):
                assert close(rgb.getpixel(corner), GREEN), (field, corner)
    paths = [profile.avatar.path, profile.avatar_thumb.path, profile.avatar_large.path]

    # Replacing the photo replaces the sizes; removing it removes all three files.
    with django_capture_on_commit_callbacks(execute=True):
        client.patch("/api/me/profile/", {"avatar": striped((120, 400))}, format="multipart")
    assert not any(os.path.exists(p) for p in paths)
    profile.refresh_from_db()
    with Image.open(profile.avatar_thumb.path) as stored:
        assert stored.size == (96, 96)
    paths = [profile.avatar.path, profile.avatar_thumb.path, profile.avatar_large.path]
    with django_capture_on_commit_callbacks(execute=True):
        client.patch("/api/me/profile/", {"remove_avatar": True}, format="json")
    profile.refresh_from_db()
    assert not profile.avatar and not profile.avatar_thumb and not profile.avatar_large
    assert not any(os.path.exists(p) for p in paths)


def test_upload_through_the_page_makes_the_sizes_too():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/profile/", {"avatar": striped(), "spicy_tolerance": 2})
    assert response.status_code in (200, 302)
    profile = Profile.objects.get(user=user)
    assert profile.avatar_thumb and profile.avatar_large


def test_small_image_is_scaled_up_to_the_use_size():
    user = UserFactory()
    client_for(user).patch("/api/me/profile/", {"avatar": striped((30, 30))}, format="multipart")
    profile = Profile.objects.get(user=user)
    with Image.open(profile.avatar_large.path) as stored:
        assert stored.size == (256, 256)


def with_photo(user) -> str:
    """A stored profile with the three names (no files needed for the pages)."""
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "avatar": f"avatars/{user.pk}.jpg",
            "avatar_thumb": f"avatars/{user.pk}-96.jpg",
            "avatar_large": f"avatars/{user.pk}-256.jpg",
        },
    )
    return f"/media/avatars/{user.pk}-96.jpg"


def test_chat_carries_the_thumbnail_badge_and_score():
    host, kim = UserFactory(), UserFactory()
    order = make_order(host)
    groupbuy_join(group_order_id=order.pk, user=kim)
    url = with_photo(kim)
    verify(kim)
    Standing.objects.filter(user=kim).update(manner_tenths=388)
    message_post(room_id=order.chat_room.pk, user=kim, text="안녕하세요")
    message_post(room_id=order.chat_room.pk, user=host, text="반가워요")
    body = client_for(host).get(f"/api/chats/{order.chat_room.pk}/messages/").json()
    by = {m["user"]["id"]: m["user"] for m in body["messages"] if m["user"]}
    assert by[kim.pk]["avatar"] == url
    assert by[kim.pk]["verified"] is True and by[kim.pk]["manner_score"] == 38.8
    assert by[host.pk]["verified"] is False and by[host.pk]["manner_score"] == 36.5
    # The original client's chat keeps its shape: no photo, no badge.
    compat = client_for(host).get(f"/api/chat/{order.chat_room.pk}/").json()
    authors = [m["user"] for m in compat["messages"] if m["user"]]
    assert authors and all(set(a) == {"id", "username", "email"} for a in authors)


# --- the board and the order page: photos, badges and scores within the budget -----------


def test_board_shows_photo_badge_and_score_within_its_budget(django_assert_max_num_queries):
    viewer = UserFactory()
    for n in range(12):
        host = UserFactory(username=f"방장{n}")
        with_photo(host)
        if n % 2:
            verify(host)
            Standing.objects.filter(user=host).update(manner_tenths=400 + n)
        # A third of the orders take verified neighbours only: the viewer is not verified, so
        # each card asks the rule (its answer about the viewer is read once).
        order = make_order(host, title=f"모집 {n}", verified_only=bool(n % 3 == 0))
        member = groupbuy_join(group_order_id=order.pk, user=UserFactory()) if n % 3 else None
        if member:
            OrderItem.objects.create(participation=member, name="메뉴", unit_price=5000)
    client = Client()
    client.force_login(viewer)
    client.get("/")  # warm the neighbour caches
    # session, user, region, the page (host, profile, standing, region, bans), members,
    # items, the viewer's standing (verified_only cards), the nav badges: as before + 1.
    with django_assert_max_num_queries(9) as counted:
        html = client.get("/").content.decode()
    assert html.count('class="gb-card-link"') == 10
    assert html.count('<img class="avatar-img avatar-sm" src="/media/avatars/') == 10
    assert html.count('data-testid="verified-badge"') == 5
    assert html.count('data-testid="manner-score"') == 10
    assert "41.1°" in html and "36.5°" in html
    assert html.count('data-testid="verified-only"') >= 1
    with django_assert_max_num_queries(len(counted.captured_queries)):
        client.get("/", {"page": 2}, **HTMX)
    with django_assert_max_num_queries(len(counted.captured_queries)):
        html = client.get("/", {"verified": "1"}).content.decode()
    assert html.count('class="gb-card-link"') == 6
    print("board queries:", len(counted.captured_queries))


def test_board_without_verified_only_orders_keeps_the_old_budget(django_assert_max_num_queries):
    viewer = UserFactory()
    for n in range(12):
        host = UserFactory()
        with_photo(host)
        verify(host)
        make_order(host, title=f"모집 {n}")
    client = Client()
    client.force_login(viewer)
    client.get("/")
    with django_assert_max_num_queries(8):
        html = client.get("/").content.decode()
    assert html.count('data-testid="verified-badge"') == 10


@pytest.mark.parametrize("viewer", ["visitor", "member", "host"])
def test_order_page_member_list_shows_people_within_its_budget(
    viewer, django_assert_max_num_queries
):
    host = UserFactory(username="방장")
    with_photo(host)
    verify(host)
    order = make_order(host, verified_only=True, target_count=6)
    members = []
    for n in range(4):
        member = UserFactory(username=f"멤버{n}")
        verify(member)
        if n % 2:
            with_photo(member)
        groupbuy_join(group_order_id=order.pk, user=member)
        members.append(member)
    Standing.objects.filter(user=members[0]).update(manner_tenths=512)
    who = {"visitor": UserFactory(), "member": members[0], "host": host}[viewer]
    client = Client()
    client.force_login(who)
    client.get(f"/groupbuys/{order.pk}/")
    # session, user, order (host, profile, standing), members (profile, standing), items,
    # (visitor) ban, the viewer's standing (visitor: the verified_only rule), region, the
    # nav badges' two counts.
    with django_assert_max_num_queries(10) as counted:
        html = client.get(f"/groupbuys/{order.pk}/").content.decode()
    for person in [host, *members]:
        assert f'href="/u/{person.pk}/"' in html
    assert html.count('<img class="avatar-img avatar-sm"') >= 3  # host (twice), two members
    assert 'data-testid="manner-score"><span class="sr-only">매너 점수 </span>51.2°' in html
    assert html.count('data-testid="verified-badge"') == 6  # host fact + 5 rows
    assert "동네인증한 이웃만 참여할 수 있어요" in html
    with django_assert_max_num_queries(len(counted.captured_queries)):
        client.get(f"/groupbuys/{order.pk}/?part=summary", **HTMX)
    print(viewer, "order page queries:", len(counted.captured_queries))
