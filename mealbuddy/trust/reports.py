"""신고: a report of a person, an order or a chat message, kept as it was when reported.

Sits above group orders and chat (see the package docstring): the reporter must be able to
see what they report (the order through ``access_group_order(visible=True)``, a message only
as a member of its room), and the reported content is copied into ``Report.snapshot`` so a
later edit or deletion does not change what the moderators read. The moderation queue (built
elsewhere) reads the Report rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from mealbuddy.chat.models import Message
from mealbuddy.chat.selectors import room_is_member
from mealbuddy.core.errors import NotFound, RateLimited
from mealbuddy.core.limits import rate_take
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.trust.errors import ReportRefused
from mealbuddy.trust.models import Report

Target = Report.Target
REPORT_TEXT_MAX = 1000
ALREADY_REPORTED = "이미 신고했어요. 운영팀이 확인하고 있어요."
REPORTED = "신고했어요. 운영팀이 확인하고 알려 드릴게요."
MESSAGE_NOT_FOUND = "메시지를 찾을 수 없어요."
USER_NOT_FOUND = "이웃을 찾을 수 없어요."


@dataclass(frozen=True)
class ReportTarget:
    """What is being reported, as the reporter may see it: the kind, the person it is about,
    the row, and a short label for the form ("‘치킨 같이 시켜요’ 모집글")."""

    kind: str
    target_user: object
    group_order: object | None
    message: Message | None
    label: str


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _int_id(value, *, missing: str) -> int:
    if isinstance(value, bool) or value is None:
        raise NotFound(missing)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound(missing) from None
    if not 0 < number < 2**63:
        raise NotFound(missing)
    return number


def report_target(
    *, reporter, kind: str, user_id=None, order_id=None, message_id=None
) -> ReportTarget:
    """The thing ``reporter`` wants to report, checked as they may see it: 404 for what they
    cannot see (an order hidden from them, a message of a room they are not in), 400 for
    what makes no sense to report (themselves, their own order or message, a system line)."""
    if kind == Target.USER:
        person = (
            get_user_model()
            .objects.select_related("region", "profile")
            .filter(pk=_int_id(user_id, missing=USER_NOT_FOUND), is_active=True)
            .first()
        )
        if person is None:
            raise NotFound(USER_NOT_FOUND)
        if person.pk == reporter.pk:
            raise ReportRefused("나 자신은 신고할 수 없어요.", field="user_id")
        return ReportTarget(kind, person, None, None, f"{person.display_name} 님")
    if kind == Target.ORDER:
        order = access_group_order(
            user=reporter, id=_int_id(order_id, missing="주문을 찾을 수 없어요."), visible=True
        )
        if order.host_id == reporter.pk:
            raise ReportRefused("내 모집글은 신고할 수 없어요.", field="order_id")
        return ReportTarget(kind, order.host, order, None, f"‘{order.title}’ 모집글")
    if kind == Target.MESSAGE:
        message = (
            Message.objects.select_related("user", "room", "room__group_order")
            .filter(pk=_int_id(message_id, missing=MESSAGE_NOT_FOUND))
            .first()
        )
        # Only a member of the room sees its messages: anyone else, as if it did not exist.
        if message is None or not room_is_member(room_id=message.room_id, user_id=reporter.pk):
            raise NotFound(MESSAGE_NOT_FOUND)
        if message.user_id is None:
            raise ReportRefused("안내 메시지는 신고할 수 없어요.", field="message_id")
        if message.user_id == reporter.pk:
            raise ReportRefused("내 메시지는 신고할 수 없어요.", field="message_id")
        author = message.user.display_name
        return ReportTarget(kind, message.user, None, message, f"{author} 님의 채팅 메시지")
    raise ReportRefused("무엇을 신고할지 골라 주세요.", field="target")


def _user_snapshot(person) -> dict:
    try:
        avatar = person.profile.avatar.name or ""
    except ObjectDoesNotExist:
        avatar = ""
    region = person.region.full_name if person.region_id else ""
    return {
        "user_id": person.pk,
        "nickname": person.display_name,
        "region": region,
        "avatar": avatar,
    }


def _order_snapshot(order) -> dict:
    return {
        "order_id": order.pk,
        "title": order.title,
        "description": order.description,
        "restaurant": order.restaurant,
        "category": order.category,
        "pickup_spot": order.pickup_spot,
        "host_id": order.host_id,
        "host_nickname": order.host.display_name,
        "status": order.status,
        "created_at": _iso(order.created_at),
        "updated_at": _iso(getattr(order, "updated_at", None)),
        "deadline": _iso(order.deadline),
    }


def _message_line(message: Message) -> dict:
    return {
        "id": message.pk,
        "author_id": message.user_id,
        "author": message.user.display_name if message.user_id else "",
        "text": message.text,
        "kind": message.kind,
        "created_at": _iso(message.created_at),
    }


def _message_snapshot(message: Message) -> dict:
    before = list(
        Message.objects.filter(room_id=message.room_id, id__lt=message.pk)
        .select_related("user")
        .order_by("-id")[: settings.TRUST_REPORT_CONTEXT_MESSAGES]
    )
    before.reverse()
    order = message.room.group_order  # None in a 나눔 1:1 room (chat.models.ChatRoom)
    return {
        **_message_line(message),
        "room_id": message.room_id,
        "order_id": order.pk if order else None,
        "order_title": order.title if order else "",
        "context": [_message_line(m) for m in before],
    }


def _snapshot(target: ReportTarget) -> dict:
    if target.kind == Target.ORDER:
        return _order_snapshot(target.group_order)
    if target.kind == Target.MESSAGE:
        return _message_snapshot(target.message)
    return _user_snapshot(target.target_user)


def _rate_check(*, reporter_id: int) -> None:
    wait = rate_take(
        key=f"trust-report:{reporter_id}",
        capacity=settings.TRUST_REPORT_BURST,
        rate=settings.TRUST_REPORTS_PER_HOUR / 3600,
    )
    if wait:
        raise RateLimited(
            "신고를 너무 자주 보내고 있어요. 잠시 뒤에 다시 해 주세요.",
            extra={"retry_after": max(1, math.ceil(wait))},
        )


def report_create(
    *,
    reporter,
    target: str,
    reason: str,
    text: str = "",
    user_id=None,
    order_id=None,
    message_id=None,
) -> tuple[Report, bool]:
    """``reporter`` reports a user, an order or a chat message: ``(report, created)``.

    The content is copied into ``snapshot`` now. While the reporter's earlier report of the
    same thing is still open, a second one changes nothing and answers ``created=False``
    ("이미 신고했어요"). New reports are rate-limited per reporter (TRUST_REPORT_BURST at
    once, TRUST_REPORTS_PER_HOUR after).
    """
    if reason not in Report.Reason.values:
        raise ReportRefused("신고 이유를 골라 주세요.", field="reason")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ReportRefused("내용은 글자로 보내 주세요.", field="text")
    text = text.strip()
    if len(text) > REPORT_TEXT_MAX:
        raise ReportRefused(
            f"내용은 {REPORT_TEXT_MAX}자까지 쓸 수 있어요. (지금 {len(text)}자)", field="text"
        )
    found = report_target(
        reporter=reporter, kind=target, user_id=user_id, order_id=order_id, message_id=message_id
    )
    with transaction.atomic():
        # One reporter's reports queue behind each other: "one open report per thing" holds
        # even when the same form is sent twice at once.
        get_user_model().objects.select_for_update().filter(pk=reporter.pk).first()
        same = Report.objects.filter(
            reporter_id=reporter.pk,
            target=found.kind,
            target_user_id=found.target_user.pk,
            status=Report.Status.OPEN,
        )
        if found.kind == Target.ORDER:
            same = same.filter(group_order_id=found.group_order.pk)
        elif found.kind == Target.MESSAGE:
            same = same.filter(message_id=found.message.pk)
        existing = same.first()
        if existing is not None:
            return existing, False
        _rate_check(reporter_id=reporter.pk)
        report = Report.objects.create(
            reporter_id=reporter.pk,
            target=found.kind,
            target_user_id=found.target_user.pk,
            group_order=found.group_order,
            message=found.message,
            reason=reason,
            text=text,
            snapshot=_snapshot(found),
        )
    return report, True
