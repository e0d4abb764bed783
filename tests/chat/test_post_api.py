"""POST /api/chats/<room>/messages/: the REST way to post, safe to retry."""

from __future__ import annotations

import pytest

from mealbuddy.chat.models import Message
from tests.chat.helpers import room_with
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(seogyo):
    return UserFactory(), UserFactory(), UserFactory()


def url(room) -> str:
    return f"/api/chats/{room.pk}/messages/"


def test_a_member_posts_and_the_room_hears_it_after_commit(
    trio, django_capture_on_commit_callbacks
):
    host, guest, _ = trio
    room = room_with(host, guest)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(guest).post(url(room), {"message": " 안녕하세요 "}, format="json")
    assert response.status_code == 201
    body = response.json()["message"]
    assert body["message"] == "안녕하세요" and body["user"]["id"] == guest.pk
    assert Message.objects.get(pk=body["id"]).text == "안녕하세요"
    assert len(callbacks) == 1  # the broadcast, queued for after the commit


@pytest.mark.parametrize("how", ["body", "header"])
def test_a_retry_with_the_same_client_id_returns_the_first_message(
    trio, how, django_capture_on_commit_callbacks
):
    host, guest, _ = trio
    room = room_with(host, guest)
    client = client_for(guest)

    def post():
        if how == "body":
            return client.post(url(room), {"message": "한 번만", "client_id": "c-1"}, format="json")
        return client.post(
            url(room), {"message": "한 번만"}, format="json", HTTP_IDEMPOTENCY_KEY="c-1"
        )

    first = post()
    with django_capture_on_commit_callbacks() as callbacks:
        again = post()
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert Message.objects.filter(room=room, kind="text").count() == 1
    assert callbacks == []  # nobody hears it twice
    # The same id from someone else, or without an id, is a new message.
    assert (
        client_for(host)
        .post(url(room), {"message": "한 번만", "client_id": "c-1"}, format="json")
        .status_code
        == 201
    )
    assert client.post(url(room), {"message": "또"}, format="json").status_code == 201
    assert client.post(url(room), {"message": "또"}, format="json").status_code == 201
    assert Message.objects.filter(room=room, kind="text").count() == 4


@pytest.mark.parametrize("client_id", [["x"], 7, "x" * 65, "\x00nul", "한글"])
def test_a_malformed_client_id_is_a_field_error(trio, client_id):
    host, guest, _ = trio
    room = room_with(host, guest)
    response = client_for(guest).post(
        url(room), {"message": "안녕", "client_id": client_id}, format="json"
    )
    assert response.status_code == 400
    assert "client_id" in response.json()["errors"]
    assert not Message.objects.filter(kind="text").exists()


def test_an_outsider_cannot_post(trio):
    host, guest, outsider = trio
    room = room_with(host, guest)
    response = client_for(outsider).post(url(room), {"message": "끼어들기"}, format="json")
    assert response.status_code == 403
    assert not Message.objects.filter(kind="text").exists()


def test_posting_shares_the_flood_budget_and_answers_429_with_retry_after(trio, settings):
    settings.CHAT_BURST = 2
    settings.CHAT_RATE_PER_SECOND = 0.5
    host, guest, _ = trio
    room = room_with(host, guest)
    client = client_for(guest)
    codes = [
        client.post(url(room), {"message": f"{n}"}, format="json").status_code for n in range(3)
    ]
    assert codes == [201, 201, 429]
    refused = client.post(url(room), {"message": "또"}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 2
    assert Message.objects.filter(user=guest).count() == 2
    assert (
        client_for(host).post(url(room), {"message": "나는 됨"}, format="json").status_code == 201
    )
