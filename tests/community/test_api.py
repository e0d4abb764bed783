"""The 동네생활 REST API: the same rules as the pages, JSON errors per field, never a 5xx,
and a fixed number of queries per list page."""

from __future__ import annotations

import pytest

from mealbuddy.community.models import Post
from tests.community.conftest import block, make_post, not_a_photo, photo, suspend
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/community"


def test_list_and_cursor_paging(author, reader, monkeypatch):
    from mealbuddy.community import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for n in range(3):
        make_post(author, title=f"글 {n}")
    api = client_for(reader)
    first = api.get(f"{BASE}/posts/").json()
    assert [p["title"] for p in first["results"]] == ["글 2", "글 1"]
    assert first["results"][0]["author"] == {"id": author.pk, "nickname": author.username}
    rest = api.get(f"{BASE}/posts/", {"cursor": first["next_cursor"]}).json()
    assert [p["title"] for p in rest["results"]] == ["글 0"] and rest["next_cursor"] == ""
    assert (
        api.get(f"{BASE}/posts/", {"topic": "share", "sort": "popular", "q": "글"}).json()[
            "results"
        ]
        == []
    )
    assert api.get(f"{BASE}/posts/").status_code == 200
    from rest_framework.test import APIClient

    assert APIClient().get(f"{BASE}/posts/").status_code == 401


def test_create_read_update_delete(author, reader):
    api = client_for(author)
    created = api.post(
        f"{BASE}/posts/",
        {"topic": "question", "title": "세탁소 추천해 주세요", "text": "근처에요"},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["actions"]["can_solve"] and body["comments"] == [] and body["region"]
    post_id = body["id"]
    assert (
        client_for(reader)
        .patch(f"{BASE}/posts/{post_id}/", {"title": "남이"}, format="json")
        .status_code
        == 403
    )
    assert client_for(reader).delete(f"{BASE}/posts/{post_id}/").status_code == 403
    changed = api.patch(f"{BASE}/posts/{post_id}/", {"title": "고친 제목"}, format="json")
    assert changed.status_code == 200 and changed.json()["title"] == "고친 제목"
    assert api.delete(f"{BASE}/posts/{post_id}/").status_code == 204
    assert client_for(reader).get(f"{BASE}/posts/{post_id}/").status_code == 404


def test_field_errors_are_4xx_json(author):
    api = client_for(author)
    response = api.post(
        f"{BASE}/posts/", {"topic": "news", "title": "가" * 61, "text": ""}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["errors"]) >= {"text"}
    response = api.post(
        f"{BASE}/posts/", {"topic": "news", "title": "가" * 61, "text": "x"}, format="json"
    )
    assert response.status_code == 400 and "title" in response.json()["errors"]
    response = api.post(
        f"{BASE}/posts/",
        {"topic": "news", "title": "t", "text": "x", "group_order_id": 98765},
        format="json",
    )
    assert response.status_code == 400 and "group_order_id" in response.json()["errors"]


def test_photos_upload_validation_and_cap(author, reader):
    post = make_post(author)
    api = client_for(author)
    url = f"{BASE}/posts/{post.pk}/photos/"
    bad = api.post(url, {"photo": not_a_photo()}, format="multipart")
    assert bad.status_code == 400 and "photos" in bad.json()["errors"]
    assert api.post(url, {}, format="multipart").status_code == 400
    for _ in range(5):
        assert api.post(url, {"photo": photo()}, format="multipart").status_code == 201
    sixth = api.post(url, {"photo": photo()}, format="multipart")
    assert sixth.status_code == 400 and sixth.json()["code"] == "too_many_photos"
    assert client_for(reader).post(url, {"photo": photo()}, format="multipart").status_code == 403
    photo_id = api.get(f"{BASE}/posts/{post.pk}/").json()["photos"][0]["id"]
    assert client_for(reader).delete(f"{BASE}/photos/{photo_id}/").status_code == 403
    assert api.delete(f"{BASE}/photos/{photo_id}/").status_code == 204
    assert Post.objects.get(pk=post.pk).photo_count == 4


def test_comments_replies_and_deleting(post, reader):
    api = client_for(reader)
    url = f"{BASE}/posts/{post.pk}/comments/"
    # A new comment answers itself (the thread pages: GET it).
    top = api.post(url, {"text": "저도요"}, format="json").json()
    assert top["text"] == "저도요" and top["can_delete"] and not top["can_report"]
    answered = client_for(post.author).post(
        url, {"text": "답글", "parent_id": top["id"]}, format="json"
    )
    assert answered.status_code == 201
    reply = answered.json()
    assert reply["parent_id"] == top["id"] and reply["replies"] == []
    deeper = api.post(url, {"text": "답글의 답글", "parent_id": reply["id"]}, format="json").json()
    assert deeper["parent_id"] == top["id"]  # one level: it joins the top comment's thread
    thread = api.get(url).json()
    assert thread["next_cursor"] == ""
    assert [r["text"] for r in thread["comments"][0]["replies"]] == ["답글", "답글의 답글"]
    assert api.post(url, {"text": ""}, format="json").status_code == 400
    assert client_for(post.author).delete(f"{BASE}/comments/{top['id']}/").status_code == 403
    assert api.delete(f"{BASE}/comments/{top['id']}/").status_code == 204
    listed = api.get(url).json()["comments"]
    assert (
        listed[0]["removed"]
        and listed[0]["author"] is None
        and listed[0]["text"] == "삭제된 댓글이에요"
    )


def test_like_curious_solve_and_share_state(author, reader):
    question = make_post(author, topic="question")
    share = make_post(author, topic="share")
    api = client_for(reader)
    assert api.post(f"{BASE}/posts/{question.pk}/like/").json() == {"on": True, "count": 1}
    assert api.post(f"{BASE}/posts/{question.pk}/like/").json() == {"on": True, "count": 1}
    assert api.delete(f"{BASE}/posts/{question.pk}/like/").json() == {"on": False, "count": 0}
    assert api.post(f"{BASE}/posts/{question.pk}/curious/").json() == {"on": True, "count": 1}
    assert api.post(f"{BASE}/posts/{share.pk}/curious/").json()["code"] == "wrong_topic"
    assert api.post(f"{BASE}/posts/{question.pk}/solve/").status_code == 403
    owner = client_for(author)
    assert owner.post(f"{BASE}/posts/{question.pk}/solve/").json()["solved"] is True
    assert owner.delete(f"{BASE}/posts/{question.pk}/solve/").json()["solved"] is False
    moved = owner.post(
        f"{BASE}/posts/{share.pk}/share-state/", {"state": "reserved"}, format="json"
    )
    assert moved.json()["share_state"] == "reserved" and moved.json()["actions"]["share_moves"] == [
        "sharing",
        "done",
    ]
    assert (
        owner.post(
            f"{BASE}/posts/{share.pk}/share-state/", {"state": "x"}, format="json"
        ).status_code
        == 400
    )
    assert (
        api.post(
            f"{BASE}/posts/{share.pk}/share-state/", {"state": "done"}, format="json"
        ).status_code
        == 403
    )


def test_blocks_and_restrictions(author, reader):
    post = make_post(author)
    block(reader, author)
    api = client_for(reader)
    assert api.get(f"{BASE}/posts/").json()["results"] == []
    for method, url in (
        ("get", f"{BASE}/posts/{post.pk}/"),
        ("get", f"{BASE}/posts/{post.pk}/comments/"),
        ("post", f"{BASE}/posts/{post.pk}/like/"),
    ):
        assert getattr(api, method)(url).status_code == 404
    other = UserFactory()
    suspend(other)
    refused = client_for(other).post(
        f"{BASE}/posts/", {"topic": "news", "title": "t", "text": "x"}, format="json"
    )
    assert refused.status_code == 403


def test_the_list_costs_the_same_few_queries_whatever_it_holds(
    author, reader, django_assert_max_num_queries
):
    api = client_for(reader)
    make_post(author)
    api.get(f"{BASE}/posts/", {"neighbours": "1"})
    with django_assert_max_num_queries(10) as first:
        api.get(f"{BASE}/posts/", {"neighbours": "1"})
    for n in range(12):
        make_post(UserFactory(), title=f"글 {n}", photos=[photo()] if n % 3 == 0 else [])
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert len(api.get(f"{BASE}/posts/", {"neighbours": "1"}).json()["results"]) == 13
