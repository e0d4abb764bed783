"""신고: what may be reported, the snapshot kept at report time, one open report per thing,
the rate limit, the REST door and the pages."""

from __future__ import annotations

import pytest

from mealbuddy.chat.models import Message
from mealbuddy.chat.services import message_post, system_message_post
from mealbuddy.groupbuys.services import groupbuy_delete, groupbuy_join, groupbuy_update
from mealbuddy.trust.models import Report
from mealbuddy.trust.services import block_create
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(seogyo):
    return UserFactory(username="방장")


@pytest.fixture
def reporter(seogyo):
    return UserFactory(username="신고자")


@pytest.fixture
def order(host):
    return make_order(host, title="원래 제목", description="원래 내용", restaurant="원래 가게")


def report(user, **data):
    return client_for(user).post("/api/reports/", data, format="json")


def test_order_report_keeps_the_order_as_it_was(host, reporter, order):
    response = report(reporter, target="order", order_id=order.pk, reason="fraud", text="  노쇼 ")
    assert response.status_code == 201
    assert response.json()["created"] is True and response.json()["status"] == "open"
    groupbuy_update(group_order_id=order.pk, user=host, title="바뀐 제목", description="바뀜")
    saved = Report.objects.get()
    assert saved.target_user == host and saved.group_order_id == order.pk
    assert saved.text == "노쇼" and saved.reason == Report.Reason.FRAUD
    snap = saved.snapshot
    assert snap["title"] == "원래 제목" and snap["description"] == "원래 내용"
    assert snap["restaurant"] == "원래 가게" and snap["host_nickname"] == "방장"
    assert snap["created_at"] and snap["deadline"]
    # Deleting the order keeps the report and what it said.
    groupbuy_delete(group_order_id=order.pk, user=host)
    saved.refresh_from_db()
    assert saved.group_order_id is None and saved.snapshot["title"] == "원래 제목"


def test_message_report_keeps_text_author_and_context(host, reporter, order):
    groupbuy_join(group_order_id=order.pk, user=reporter)
    room = order.chat_room
    for n in range(7):
        message_post(room_id=room.pk, user=host, text=f"앞의 말 {n}")
    bad = message_post(room_id=room.pk, user=host, text="나쁜 말")
    response = report(reporter, target="message", message_id=bad.pk, reason="abuse")
    assert response.status_code == 201
    Message.objects.filter(pk=bad.pk).update(text="고친 말")
    Message.objects.filter(pk=bad.pk).delete()
    saved = Report.objects.get()
    snap = saved.snapshot
    assert saved.target_user == host and saved.message_id is None
    assert snap["text"] == "나쁜 말" and snap["author"] == "방장" and snap["room_id"] == room.pk
    assert snap["order_title"] == "원래 제목" and snap["created_at"]
    assert [m["text"] for m in snap["context"]] == [f"앞의 말 {n}" for n in range(2, 7)]


def test_user_report_keeps_nickname_and_neighbourhood(host, reporter):
    assert report(reporter, target="user", user_id=host.pk, reason="spam").status_code == 201
    host.username = "개명함"
    host.save()
    snap = Report.objects.get().snapshot
    assert snap["nickname"] == "방장" and snap["region"] == "서울특별시 마포구 서교동"
    assert snap["avatar"] == ""
    assert "email" not in snap


def test_a_second_open_report_of_the_same_thing_changes_nothing(host, reporter, order):
    first = report(reporter, target="order", order_id=order.pk, reason="spam", text="처음")
    second = report(reporter, target="order", order_id=order.pk, reason="abuse", text="다시")
    assert second.status_code == 200
    assert second.json()["created"] is False and second.json()["message"].startswith(
        "이미 신고했어요"
    )
    assert second.json()["id"] == first.json()["id"]
    saved = Report.objects.get()
    assert saved.text == "처음" and saved.reason == "spam"
    # Once handled, the same thing may be reported again.
    Report.objects.update(status=Report.Status.DISMISSED)
    assert report(reporter, target="order", order_id=order.pk, reason="spam").status_code == 201


def test_cannot_report_what_you_cannot_see(host, reporter, order):
    other_room_order = make_order(UserFactory(), title="남의 방")
    line = message_post(
        room_id=other_room_order.chat_room.pk, user=other_room_order.host, text="비밀"
    )
    response = report(reporter, target="message", message_id=line.pk, reason="abuse")
    assert response.status_code == 404
    # An order hidden from me (blocked either way) is not mine to report either.
    block_create(blocker=host, blocked_id=reporter.pk)
    assert report(reporter, target="order", order_id=order.pk, reason="spam").status_code == 404
    assert report(reporter, target="order", order_id=10**12, reason="spam").status_code == 404
    assert report(reporter, target="user", user_id=10**12, reason="spam").status_code == 404
    assert not Report.objects.exists()


def test_refusals_name_their_field(host, reporter, order):
    groupbuy_join(group_order_id=order.pk, user=reporter)
    mine = message_post(room_id=order.chat_room.pk, user=reporter, text="내 말")
    system = system_message_post(room=order.chat_room, text="안내", kind=Message.Kind.STATUS)
    cases = [
        ({"target": "user", "user_id": reporter.pk, "reason": "spam"}, "user_id"),
        ({"target": "order", "order_id": order.pk, "reason": "spam"}, None),
        ({"target": "message", "message_id": mine.pk, "reason": "spam"}, "message_id"),
        ({"target": "message", "message_id": system.pk, "reason": "spam"}, "message_id"),
        ({"target": "user", "user_id": host.pk, "reason": "nope"}, "reason"),
        ({"target": "user", "user_id": host.pk, "reason": "spam", "text": "가" * 1001}, "text"),
        ({"target": "planet", "reason": "spam"}, "target"),
        ({"target": "user", "reason": "spam"}, None),
    ]
    for data, field in cases:
        who = host if data.get("order_id") else reporter
        response = report(who, **data)
        assert response.status_code in (400, 404), data
        if field:
            assert field in response.json()["errors"], (data, response.json())
    assert not Report.objects.exists()


def test_reports_are_rate_limited(reporter, settings):
    settings.TRUST_REPORT_BURST = 2
    settings.TRUST_REPORTS_PER_HOUR = 1
    people = [UserFactory() for _ in range(3)]
    assert report(reporter, target="user", user_id=people[0].pk, reason="spam").status_code == 201
    assert report(reporter, target="user", user_id=people[1].pk, reason="spam").status_code == 201
    response = report(reporter, target="user", user_id=people[2].pk, reason="spam")
    assert response.status_code == 429 and response["Retry-After"]
    # Repeating an open report is not a new one and is not limited.
    assert report(reporter, target="user", user_id=people[0].pk, reason="spam").status_code == 200
    assert Report.objects.count() == 2


def test_report_pages_from_an_order_and_a_message(client, host, reporter, order):
    groupbuy_join(group_order_id=order.pk, user=reporter)
    line = message_post(room_id=order.chat_room.pk, user=host, text="문제의 말")
    client.force_login(reporter)
    # The order page links to the form; the host's own page does not.
    assert (
        f"/reports/new/?order={order.pk}" in client.get(f"/groupbuys/{order.pk}/").content.decode()
    )
    html = client.get(f"/reports/new/?message={line.pk}").content.decode()
    assert "방장 님의 채팅 메시지" in html and "사기/노쇼" in html and "<legend>" in html
    response = client.post("/reports/new/", {"message": line.pk, "text": "이유 없이"})
    assert response.status_code == 400 and "신고 이유" in response.content.decode()
    response = client.post("/reports/new/", {"message": line.pk, "reason": "abuse"})
    assert response.status_code == 200 and "신고했어요" in response.content.decode()
    response = client.post("/reports/new/", {"message": line.pk, "reason": "abuse"})
    assert "이미 신고했어요" in response.content.decode()
    assert Report.objects.get().snapshot["text"] == "문제의 말"
    other = make_order(UserFactory(), title="남의 방")
    secret = message_post(room_id=other.chat_room.pk, user=other.host, text="비밀")
    assert client.get(f"/reports/new/?message={secret.pk}").status_code == 404
    assert client.get("/reports/new/?message=abc").status_code == 404
    assert client.get("/reports/new/").status_code == 400
    client.force_login(host)
    assert "/reports/new/?order=" not in client.get(f"/groupbuys/{order.pk}/").content.decode()
