"""Moderation: the staff queue and its grouping, every action audited and resolving the
reports about the same thing, staff only, and the job that lifts ended suspensions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mealbuddy.chat.models import Message
from mealbuddy.chat.serializers import HIDDEN_MESSAGE_TEXT
from mealbuddy.core.errors import ApplicationError, Conflict, NotFound
from mealbuddy.groupbuys import services
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.notifications.models import Notification
from mealbuddy.trust.models import ModerationAction, Report, Standing
from mealbuddy.trust.moderation import (
    moderation_act,
    report_queue,
    sanctions_lift_expired,
)
from mealbuddy.trust.tasks import sanctions_lift
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, username="운영자")


@pytest.fixture
def host(db):
    return UserFactory(username="방장")


@pytest.fixture
def order(host):
    return make_order(host, title="치킨 같이 시켜요")


def report_about_order(order, *, reporter=None, reason=Report.Reason.SPAM, text=""):
    return Report.objects.create(
        reporter=reporter or UserFactory(),
        target=Report.Target.ORDER,
        target_user=order.host,
        group_order=order,
        reason=reason,
        text=text,
        snapshot={"title": order.title, "text": order.description or order.title},
    )


def report_about_user(user, *, reason=Report.Reason.FRAUD):
    return Report.objects.create(
        reporter=UserFactory(),
        target=Report.Target.USER,
        target_user=user,
        reason=reason,
        snapshot={"nickname": user.display_name},
    )


def message_in(order, user, text):
    return Message.objects.create(room=order.chat_room, user=user, text=text)


def report_about_message(message):
    return Report.objects.create(
        reporter=UserFactory(),
        target=Report.Target.MESSAGE,
        target_user=message.user,
        message=message,
        reason=Report.Reason.ABUSE,
        snapshot={"text": message.text, "author": message.user.display_name},
    )


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_groups_reports_about_the_same_thing_and_sorts_both_ways(staff, order):
    first = report_about_order(order)
    report_about_order(order)
    report_about_order(order)
    lone = report_about_user(UserFactory())  # the newest, but reported once
    resolved = report_about_user(UserFactory())
    Report.objects.filter(pk=resolved.pk).update(status=Report.Status.DISMISSED)

    newest = report_queue(staff=staff, sort="newest")
    assert [e.report.target for e in newest.entries] == ["user", "order"]
    assert newest.entries[0].report == lone and newest.entries[0].count == 1
    assert newest.entries[1].count == 3 and newest.entries[1].report.pk > first.pk
    assert (newest.open_reports, newest.open_groups) == (4, 2)

    most = report_queue(staff=staff, sort="most")
    assert [e.count for e in most.entries] == [3, 1]
    assert report_queue(staff=staff, sort="nonsense").sort == "newest"


def test_the_queue_is_staff_only(order):
    with pytest.raises(NotFound):
        report_queue(staff=UserFactory())


def test_the_queue_page_shows_counts_and_both_sorts_in_fixed_queries(
    staff, order, django_assert_max_num_queries
):
    for _ in range(3):
        report_about_order(order, text="광고 글이에요")
    page = browser(staff)
    with django_assert_max_num_queries(8) as few:
        body = page.get("/staff/moderation/").content.decode()
    assert "처리 전 신고 3건" in body and "신고 3건" in body
    for i in range(10):
        other = make_order(UserFactory(), title=f"다른 글 {i}")
        report_about_order(other)
        report_about_user(UserFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = page.get("/staff/moderation/?sort=most").content.decode()
    assert "처리 전 신고 23건" in body and 'aria-current="true">신고 많은 순' in body


# --- actions ------------------------------------------------------------------------------


def test_dismiss_resolves_every_open_report_about_the_same_thing_and_is_audited(staff, order):
    reports = [report_about_order(order) for _ in range(2)]
    elsewhere = report_about_user(order.host)  # about the person, not this order: stays open
    action = moderation_act(staff=staff, kind="dismiss", report=reports[0], reason="광고 아님")
    assert (action.staff, action.kind, action.reason) == (staff, "dismiss", "광고 아님")
    assert action.report == reports[0] and action.group_order_id == order.pk
    for report in reports:
        report.refresh_from_db()
        assert report.status == "dismissed" and report.resolved_by == staff
        assert report.resolved_at is not None
    elsewhere.refresh_from_db()
    assert elsewhere.status == "open"


def test_a_report_decided_once_cannot_be_decided_again(staff, order):
    report = report_about_order(order)
    moderation_act(staff=staff, kind="dismiss", report=report, reason="괜찮아요")
    with pytest.raises(Conflict):
        moderation_act(staff=staff, kind="warn", report=report, reason="다시")
    assert ModerationAction.objects.count() == 1


def test_hide_order_takes_it_off_the_board_and_the_original_clients_list(staff, order, host):
    neighbour = UserFactory()
    report = report_about_order(order)
    moderation_act(staff=staff, kind="hide_order", report=report, reason="스팸 광고")
    order.refresh_from_db()
    assert order.hidden_at is not None
    assert str(order.pk) not in [
        str(o["id"]) for o in client_for(neighbour).get("/api/groupbuys/").json()["results"]
    ]
    assert client_for(neighbour).get("/api/post/").json()["posts"] == []
    assert client_for(neighbour).get(f"/api/groupbuys/{order.pk}/").status_code == 404
    # Its host (and members) still reach it: money may have to be settled.
    assert client_for(host).get(f"/api/groupbuys/{order.pk}/").status_code == 200
    assert client_for(neighbour).get(f"/api/post/detail/{order.pk}/").status_code == 404
    assert client_for(host).get(f"/api/post/detail/{order.pk}/").status_code == 200
    report.refresh_from_db()
    assert report.status == "actioned"
    assert ModerationAction.objects.get().kind == "hide_order"


def test_hide_message_shows_the_placeholder_in_every_history(staff, order, host):
    guest = UserFactory()
    services.groupbuy_join(group_order_id=order.pk, user=guest)
    bad = message_in(order, guest, "욕설이에요")
    moderation_act(
        staff=staff, kind="hide_message", report=report_about_message(bad), reason="욕설"
    )
    room = order.chat_room.pk
    ours = client_for(host).get(f"/api/chats/{room}/messages/").json()["messages"]
    hidden = next(m for m in ours if m["id"] == bad.pk)
    assert hidden["message"] == HIDDEN_MESSAGE_TEXT and hidden["hidden"] is True
    original = client_for(host).get(f"/api/chat/{room}/").json()["messages"]
    assert [m["message"] for m in original if m["id"] == bad.pk] == [HIDDEN_MESSAGE_TEXT]
    mine = client_for(host).get("/api/chats/").json()
    assert "욕설이에요" not in str(mine)
    assert "욕설이에요" not in browser(host).get("/chats/").content.decode()


def test_warn_counts_and_notifies(staff, order, host):
    moderation_act(staff=staff, kind="warn", report=report_about_order(order), reason="과장 광고")
    assert Standing.objects.get(user=host).warnings == 1
    notice = Notification.objects.get(user=host)
    assert notice.kind == "notice" and "과장 광고" in notice.text


def test_suspend_needs_days_within_bounds_and_sets_the_end(staff, host, settings):
    settings.TRUST_SUSPEND_MAX_DAYS = 30
    for days in (None, 0, 31, "열흘"):
        with pytest.raises(ApplicationError) as caught:
            moderation_act(staff=staff, kind="suspend", target_user=host, reason="노쇼", days=days)
        assert caught.value.field == "days"
    assert not ModerationAction.objects.exists()
    before = timezone.now()
    moderation_act(staff=staff, kind="suspend", target_user=host, reason="노쇼", days=7)
    standing = Standing.objects.get(user=host)
    assert standing.restriction == "suspended" and standing.restriction_reason == "노쇼"
    assert before + timedelta(days=7) <= standing.restricted_until
    assert standing.restricted_until <= timezone.now() + timedelta(days=7)


def test_ban_has_no_end_and_lift_clears_it(staff, host):
    moderation_act(staff=staff, kind="ban", target_user=host, reason="사기")
    standing = Standing.objects.get(user=host)
    assert standing.restriction == "banned" and standing.restricted_until is None
    moderation_act(staff=staff, kind="lift", target_user=host, reason="오인 신고")
    standing.refresh_from_db()
    assert standing.restriction == "" and standing.restricted_until is None
    assert list(ModerationAction.objects.order_by("id").values_list("kind", flat=True)) == [
        "ban",
        "lift",
    ]


@pytest.mark.parametrize("reason", ["", "   ", None, "가" * 501])
def test_a_reason_is_required(staff, order, reason):
    report = report_about_order(order)
    with pytest.raises(ApplicationError) as caught:
        moderation_act(staff=staff, kind="dismiss", report=report, reason=reason)
    assert caught.value.field == "reason"
    report.refresh_from_db()
    assert report.status == "open" and not ModerationAction.objects.exists()


def test_nobody_but_staff_acts(order, host):
    report = report_about_order(order)
    for somebody in (UserFactory(), host, report.reporter):
        with pytest.raises(NotFound):
            moderation_act(staff=somebody, kind="ban", target_user=host, reason="나도 운영자")
    assert not ModerationAction.objects.exists()
    assert not Standing.objects.filter(restriction="banned").exists()


def test_an_action_that_does_not_fit_the_report_is_refused(staff, order):
    report = report_about_user(order.host)
    with pytest.raises(ApplicationError):
        moderation_act(staff=staff, kind="hide_message", report=report, reason="숨김")
    with pytest.raises(ApplicationError):
        moderation_act(staff=staff, kind="lift", report=report, reason="해제")
    assert not ModerationAction.objects.exists()


# --- pages ----------------------------------------------------------------------------------


URLS = ["/staff/moderation/", "/staff/moderation/log/"]


def test_every_moderation_url_is_404_for_everyone_but_staff(order, client):
    report = report_about_order(order)
    urls = [*URLS, f"/staff/moderation/{report.pk}/"]
    for who in (client, browser(UserFactory()), browser(order.host)):
        for url in urls:
            assert who.get(url).status_code == 404, url
        response = who.post(
            f"/staff/moderation/{report.pk}/",
            {"report-kind": "dismiss", "report-reason": "몰래"},
        )
        assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == "open" and not ModerationAction.objects.exists()


def test_the_detail_page_shows_snapshot_context_and_acts(staff, order, host):
    guest = UserFactory(username="손님")
    services.groupbuy_join(group_order_id=order.pk, user=guest)
    for i in range(4):
        message_in(order, host, f"앞 {i}")
    bad = message_in(order, guest, "나쁜 말")
    message_in(order, host, "뒤 0")
    report = report_about_message(bad)
    Message.objects.filter(pk=bad.pk).update(text="고친 말")  # the snapshot keeps the original
    page = browser(staff)
    body = page.get(f"/staff/moderation/{report.pk}/").content.decode()
    assert "나쁜 말" in body and "뒤 0" in body and "앞 3" in body and "앞 0" not in body
    assert "메시지 숨김" in body and "모집글 숨김" not in body

    missing = page.post(
        f"/staff/moderation/{report.pk}/", {"report-kind": "hide_message", "report-reason": ""}
    )
    assert missing.status_code == 400 and "사유" in missing.content.decode()
    done = page.post(
        f"/staff/moderation/{report.pk}/",
        {"report-kind": "hide_message", "report-reason": "욕설"},
    )
    assert done.status_code == 302
    assert Message.objects.get(pk=bad.pk).hidden_at is not None
    log = page.get("/staff/moderation/log/").content.decode()
    assert "메시지 숨김" in log and "욕설" in log and "운영자" in log


def test_the_detail_page_suspends_the_person_with_days(staff, order, host):
    report = report_about_order(order)
    page = browser(staff)
    refused = page.post(
        f"/staff/moderation/{report.pk}/",
        {"report-kind": "suspend", "report-reason": "노쇼 반복"},
    )
    assert refused.status_code == 400 and "정지 기간" in refused.content.decode()
    page.post(
        f"/staff/moderation/{report.pk}/",
        {"report-kind": "suspend", "report-reason": "노쇼 반복", "report-days": "3"},
    )
    assert Standing.objects.get(user=host).restriction == "suspended"
    # A resolved report offers the person's actions: lift.
    body = page.get(f"/staff/moderation/{report.pk}/").content.decode()
    assert "이미 처리된 신고예요" in body
    page.post(
        f"/staff/moderation/{report.pk}/",
        {"on": "user", "user-kind": "lift", "user-reason": "소명 확인"},
    )
    assert Standing.objects.get(user=host).restriction == ""
    assert list(ModerationAction.objects.values_list("kind", "days").order_by("id")) == [
        ("suspend", 3),
        ("lift", None),
    ]


def test_the_admin_shows_the_audit_log_read_only(staff, host):
    from django.contrib.auth import get_user_model

    moderation_act(staff=staff, kind="warn", target_user=host, reason="경고")
    superuser = get_user_model().objects.filter(pk=staff.pk)
    superuser.update(is_superuser=True)
    page = browser(staff)
    listing = page.get("/admin/trust/moderationaction/")
    assert listing.status_code == 200 and "경고" in listing.content.decode()
    action = ModerationAction.objects.get()
    assert page.post(f"/admin/trust/moderationaction/{action.pk}/delete/").status_code == 403
    assert page.get("/admin/trust/moderationaction/add/").status_code == 403


# --- the lift job ---------------------------------------------------------------------------


def test_the_job_lifts_ended_suspensions_once_with_an_audit_row(staff):
    ended, running, banned = UserFactory(), UserFactory(), UserFactory()
    now = timezone.now()
    Standing.objects.create(
        user=ended, restriction="suspended", restricted_until=now - timedelta(seconds=1)
    )
    Standing.objects.create(
        user=running, restriction="suspended", restricted_until=now + timedelta(days=1)
    )
    Standing.objects.create(user=banned, restriction="banned")

    assert sanctions_lift.call() == 1
    assert sanctions_lift_expired() == 0  # a second run (or scheduler) lifts nothing more
    lifts = ModerationAction.objects.filter(kind="lift")
    assert [(a.target_user_id, a.staff_id) for a in lifts] == [(ended.pk, None)]
    assert Standing.objects.get(user=ended).restriction == ""
    assert Standing.objects.get(user=running).restriction == "suspended"
    assert Standing.objects.get(user=banned).restriction == "banned"
    assert Notification.objects.filter(user=ended, kind="notice").count() == 1


def test_the_job_is_registered_as_periodic():
    from mealbuddy.jobs.registry import periodic_jobs

    assert "trust.sanctions_lift" in {job.name for job in periodic_jobs()}


def test_hidden_orders_keep_their_row(staff, order):
    moderation_act(staff=staff, kind="hide_order", report=report_about_order(order), reason="스팸")
    assert GroupOrder.objects.filter(pk=order.pk).exists()
