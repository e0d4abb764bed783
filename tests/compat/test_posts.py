"""Every ``/api/post/`` row of API_CONTRACT.md, success and failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.chat.models import ChatRoom
from mealbuddy.compat.posts import paginator_payload
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuy_create, groupbuy_join
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Q_KEYS = {
    "id",
    "title",
    "created_at",
    "category",
    "address",
    "content",
    "is_compelete",
    "target_number",
    "join_number",
    "chat_id",
    "writer",
}


def _post(host, n=0, **fields):
    data = {"title": f"같이 먹어요 {n}", "category": "치킨", "target_count": 4}
    data.update(fields)
    return groupbuy_create(host=host, **data)


def _bulk(host, count, **fields):
    """``count`` posts, created_at spread so newest-first order is well defined."""
    now = timezone.now()
    posts = [_post(host, n, **fields) for n in range(count)]
    for n, post in enumerate(posts):
        GroupOrder.objects.filter(pk=post.pk).update(created_at=now - timedelta(minutes=count - n))
    return posts


# --- paginator -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "last", "page_range", "prev", "next_"),
    [
        (1, 1, [1], None, None),
        (1, 3, [1, 2, 3], None, 3),
        (1, 25, list(range(1, 11)), None, 11),
        (7, 25, list(range(2, 12)), 1, 17),
        (12, 25, list(range(7, 17)), 2, 22),
        (25, 25, list(range(16, 26)), 15, None),
        (20, 25, list(range(15, 25)), 10, 25),
    ],
)
def test_paginator_window(current, last, page_range, prev, next_):
    assert paginator_payload(current=current, last=last) == {
        "page_range": page_range,
        "current_page": current,
        "prev_button": prev,
        "next_button": next_,
    }


# --- GET /post/ --------------------------------------------------------------------------------


def test_feed_needs_login(api_client):
    response = api_client.get("/api/post/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_feed_is_my_neighbourhood_newest_first_ten_per_page(auth_client, hapjeong, far_region):
    me = auth_client.user
    neighbour = UserFactory()
    posts = _bulk(neighbour, 12)
    _post(UserFactory(region=far_region), title="부산 글")
    _post(UserFactory(region=hapjeong), title="합정 글")
    body = auth_client.get("/api/post/").json()
    assert [p["id"] for p in body["posts"]] == [p.pk for p in reversed(posts)][:10]
    first = body["posts"][0]
    assert set(first) >= Q_KEYS
    assert first["address"] == me.region.full_name
    assert first["writer"] == {"id": neighbour.pk, "username": neighbour.username, "email": ""}
    assert first["join_number"] == 1 and first["is_compelete"] is False
    assert first["chat_id"] == ChatRoom.objects.get(group_order_id=first["id"]).pk
    assert body["paginator"] == {
        "page_range": [1, 2],
        "current_page": 1,
        "prev_button": None,
        "next_button": 2,
    }
    page2 = auth_client.get("/api/post/?page=2").json()
    assert [p["id"] for p in page2["posts"]] == [posts[1].pk, posts[0].pk]


def test_feed_shows_my_own_email_only(auth_client):
    _post(auth_client.user)
    writer = auth_client.get("/api/post/").json()["posts"][0]["writer"]
    assert writer["email"] == auth_client.user.email


def test_feed_category_filter(auth_client):
    _post(UserFactory(), category="피자", title="피자")
    _post(UserFactory(), category="치킨", title="치킨")
    body = auth_client.get("/api/post/", {"category": "피자"}).json()
    assert [p["title"] for p in body["posts"]] == ["피자"]


@pytest.mark.parametrize(("page", "expected"), [("99", 3), ("abc", 1), ("", 1), ("-2", 1)])
def test_feed_page_past_the_end_or_not_a_number(auth_client, page, expected):
    _bulk(UserFactory(), 23)
    body = auth_client.get("/api/post/", {"page": page}).json()
    assert body["paginator"]["current_page"] == expected
    assert len(body["posts"]) == (3 if expected == 3 else 10)


def test_feed_with_nothing_posted(auth_client):
    body = auth_client.get("/api/post/", {"page": 5}).json()
    assert body == {
        "posts": [],
        "paginator": {
            "page_range": [1],
            "current_page": 1,
            "prev_button": None,
            "next_button": None,
        },
    }


def test_feed_window_far_into_many_pages(auth_client):
    _bulk(UserFactory(), 251)  # 26 pages
    paginator = auth_client.get("/api/post/", {"page": 12}).json()["paginator"]
    assert paginator == {
        "page_range": list(range(7, 17)),
        "current_page": 12,
        "prev_button": 2,
        "next_button": 22,
    }
    last = auth_client.get("/api/post/", {"page": 26}).json()
    assert last["paginator"]["next_button"] is None and len(last["posts"]) == 1


def test_feed_query_count_is_fixed(auth_client, django_assert_max_num_queries):
    _bulk(UserFactory(), 15)
    for _ in range(3):
        groupbuy_join(group_order_id=GroupOrder.objects.first().pk, user=UserFactory())
    with django_assert_max_num_queries(3):  # user, bounded count, page
        response = auth_client.get("/api/post/")
    assert len(response.json()["posts"]) == 10


def test_past_deadline_post_reads_as_complete(auth_client):
    post = _post(UserFactory())
    GroupOrder.objects.filter(pk=post.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert auth_client.get("/api/post/").json()["posts"][0]["is_compelete"] is True


# --- POST /post/write/ -------------------------------------------------------------------------


def test_write_creates_post_room_and_first_member(auth_client):
    response = auth_client.post(
        "/api/post/write/",
        {"title": "떡볶이 모여라", "category": "분식", "target_number": 3, "content": "맵게"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= Q_KEYS
    assert (body["join_number"], body["target_number"], body["content"]) == (1, 3, "맵게")
    assert body["chat_id"] == ChatRoom.objects.get(group_order_id=body["id"]).pk
    post = GroupOrder.objects.get(pk=body["id"])
    assert (post.delivery_fee, post.restaurant) == (0, "")
    assert timedelta(minutes=59) < post.deadline - timezone.now() <= timedelta(hours=1)


def test_write_accepts_multipart_and_ignores_join_number(auth_client):
    response = auth_client.post(
        "/api/post/write/",
        {"title": "족발", "category": "족발,보쌈", "target_number": "2", "join_number": "9"},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["join_number"] == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "가" * 31}, "title"),
        ({"title": ""}, "title"),
        ({"category": "햄버거"}, "category"),
        ({"target_number": 11}, "target_number"),
        ({"target_number": 1}, "target_number"),
        ({"target_number": "많이"}, "target_number"),
        ({"target_number": None}, "target_number"),
        ({"content": "가" * 2001}, "content"),
    ],
)
def test_write_refuses_per_field(auth_client, data, field):
    body = {"title": "제목", "category": "치킨", "target_number": 3, "content": ""}
    body.update(data)
    body = {k: v for k, v in body.items() if v is not None}
    response = auth_client.post("/api/post/write/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not GroupOrder.objects.exists()


def test_write_needs_login(api_client):
    response = api_client.post(
        "/api/post/write/", {"title": "x", "category": "치킨", "target_number": 2}
    )
    assert response.status_code in (401, 403)


# --- GET /post/detail/<id>/ and edit ----------------------------------------------------------


def test_detail_says_whether_i_joined(auth_client):
    post = _post(UserFactory())
    body = auth_client.get(f"/api/post/detail/{post.pk}/").json()
    assert body["is_joined"] is False and set(body) >= Q_KEYS
    groupbuy_join(group_order_id=post.pk, user=auth_client.user)
    body = auth_client.get(f"/api/post/detail/{post.pk}/").json()
    assert (body["is_joined"], body["join_number"]) == (True, 2)


@pytest.mark.parametrize(
    "path", ["/api/post/detail/{}/", "/api/post/detail/{}/edit", "/api/post/detail/{}/edit/"]
)
def test_detail_and_edit_form(auth_client, path):
    post = _post(UserFactory())
    response = auth_client.get(path.format(post.pk))
    assert response.status_code == 200
    assert response.json()["id"] == post.pk
    missing = auth_client.get(path.format(post.pk + 1000))
    assert missing.status_code == 404
    assert missing.json()["errors"]["error"]


def test_detail_anonymous_is_refused_not_500(api_client, db):
    post = _post(UserFactory())
    assert api_client.get(f"/api/post/detail/{post.pk}/").status_code in (401, 403)
    assert api_client.post(f"/api/post/detail/{post.pk}/edit/", {}).status_code in (401, 403)
    assert api_client.post(f"/api/post/detail/{post.pk}/delete/").status_code in (401, 403)


# --- POST edit --------------------------------------------------------------------------------


def test_writer_edits_partially(auth_client):
    post = _post(auth_client.user)
    response = auth_client.post(
        f"/api/post/detail/{post.pk}/edit/", {"title": "바뀐 제목"}, format="multipart"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["category"], body["is_joined"]) == ("바뀐 제목", "치킨", True)
    assert body["writer"]["email"] == auth_client.user.email


def test_only_the_writer_edits(auth_client):
    post = _post(UserFactory())
    response = auth_client.post(
        f"/api/post/detail/{post.pk}/edit/", {"title": "내가 바꿈"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["errors"]["error"]
    post.refresh_from_db()
    assert post.title == "같이 먹어요 0"


def test_recruitment_toggle(auth_client):
    post = _post(auth_client.user)
    url = f"/api/post/detail/{post.pk}/edit/"
    body = auth_client.post(url, {"is_compelete": True}, format="json").json()
    assert body["is_compelete"] is True and "writer" in body and "is_joined" in body
    assert GroupOrder.objects.get(pk=post.pk).status == GroupOrder.Status.CLOSED
    body = auth_client.post(url, {"is_compelete": False}, format="json").json()
    assert body["is_compelete"] is False
    assert GroupOrder.objects.get(pk=post.pk).status == GroupOrder.Status.RECRUITING


def test_reopen_refused_when_full(auth_client):
    post = _post(auth_client.user, target_count=2)
    groupbuy_join(group_order_id=post.pk, user=UserFactory())
    response = auth_client.post(
        f"/api/post/detail/{post.pk}/edit/", {"is_compelete": False}, format="json"
    )
    assert response.status_code == 400
    assert "자리" in response.json()["errors"]["status"][0]


def test_edit_refuses_target_below_members_and_join_number_is_not_settable(auth_client):
    post = _post(auth_client.user)
    groupbuy_join(group_order_id=post.pk, user=UserFactory())
    groupbuy_join(group_order_id=post.pk, user=UserFactory())
    url = f"/api/post/detail/{post.pk}/edit/"
    response = auth_client.post(url, {"target_number": 2}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["target_number"]
    response = auth_client.post(url, {"join_number": 1, "title": "새 제목"}, format="json")
    assert response.status_code == 200
    assert response.json()["join_number"] == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "없는거"}, "category"),
        ({"target_number": "x"}, "target_number"),
        ({"is_compelete": "maybe"}, "is_compelete"),
        ({"title": ""}, "title"),
    ],
)
def test_edit_bad_fields(auth_client, data, field):
    post = _post(auth_client.user)
    response = auth_client.post(f"/api/post/detail/{post.pk}/edit/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


# --- POST delete ------------------------------------------------------------------------------


def test_only_the_writer_deletes(auth_client):
    post = _post(UserFactory())
    response = auth_client.post(f"/api/post/detail/{post.pk}/delete/")
    assert response.status_code == 403
    assert GroupOrder.objects.filter(pk=post.pk).exists()


def test_writer_deletes(auth_client):
    post = _post(auth_client.user)
    assert auth_client.post(f"/api/post/detail/{post.pk}/delete/").status_code == 204
    assert not GroupOrder.objects.filter(pk=post.pk).exists()
    assert auth_client.post(f"/api/post/detail/{post.pk}/delete/").status_code == 404


def test_members_emails_never_leak(db):
    writer = UserFactory()
    post = _post(writer)
    reader = UserFactory()
    body = client_for(reader).get(f"/api/post/detail/{post.pk}/").json()
    assert writer.email not in str(body)


def test_departed_writer_is_shown_as_departed(auth_client):
    writer = UserFactory()
    post = _post(writer)
    writer.is_active = False
    writer.save(update_fields=["is_active"])
    body = auth_client.get(f"/api/post/detail/{post.pk}/").json()
    assert body["writer"] == {"id": writer.pk, "username": "(탈퇴한 사용자)", "email": ""}
    assert auth_client.get("/api/post/").json()["posts"][0]["writer"]["username"] == (
        "(탈퇴한 사용자)"
    )


def test_created_at_and_deadline_are_iso_with_timezone(auth_client):
    post = _post(UserFactory())
    body = auth_client.get(f"/api/post/detail/{post.pk}/").json()
    assert body["created_at"].endswith("+00:00") and body["deadline"].endswith("+00:00")
