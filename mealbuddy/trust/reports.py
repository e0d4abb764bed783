"""신고: a report of a person, an order, a chat message, or a 동네생활 post or comment, kept
as it was when reported.

Sits above group orders and chat (see the package docstring): the reporter must be able to
see what they report (the order through ``access_group_order(visible=True)``, a message only
as a member of its room), and the reported content is copied into ``Report.snapshot`` so a
later edit or deletion does not change what the moderators read. The moderation queue (built
elsewhere) reads the Report rows.

동네생활 sits above trust (it asks trust who is blocked or restricted), so trust never imports
it: the community app registers a ``ReportedContent`` for ``post`` and ``comment`` when it
starts (``reported_content_register``), the way the wallet asks group orders through a
setting. Finding what may be reported, its snapshot, hiding it and the moderators' context all
go through that one object.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
    # A registered kind (동네생활): the row's id and its snapshot, taken when it was found.
    content_id: int | None = None
    content_snapshot: dict | None = None


@dataclass(frozen=True)
class FoundContent:
    """A registered kind's answer to "may this reporter report row ``id``"."""

    target_user: object
    label: str
    snapshot: dict


@dataclass(frozen=True)
class ReportedContent:
    """How trust reaches content owned by an app above it (registered by that app).

    ``find(reporter=, id=)`` returns a ``FoundContent`` or raises ``NotFound`` (what the
    reporter cannot see) / ``ReportRefused`` (their own); ``hide(id=, now=)`` hides the row
    for a moderator (False when there is no such row; hiding twice is no change);
    ``context(id=)`` is what the moderation
    page shows of it now (``None`` when the row is gone). ``field`` is the id's name in
    forms and REST (``post_id``), ``fk`` the ``Report``/``ModerationAction`` column.
    """

    field: str
    fk: str
    hide_kind: str
    find: Callable[..., FoundContent]
    hide: Callable[..., bool]
    context: Callable[..., dict | None]
    not_found: str


_CONTENT: dict[str, ReportedContent] = {}


def reported_content_register(kind: str, content: ReportedContent) -> None:
    """Called once by the owning app's ``AppConfig.ready``."""
    if kind not in Target.values:
        raise ValueError(f"unknown report target {kind!r}")
    _CONTENT[kind] = content


def reported_content(kind: str) -> ReportedContent | None:
    return _CONTENT.get(kind)


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
    *,
    reporter,
    kind: str,
    user_id=None,
    order_id=None,
    message_id=None,
    post_id=None,
    comment_id=None,
) -> ReportTarget:
    """The thing ``reporter`` wants to report, checked as they may see it: 404 for what they
    cannot see (an order hidden from them, a message of a room they are not in, a post or
    comment hidden by a block or a moderator), 400 for what makes no sense to report
    (themselves, their own order, message, post or comment, a system line)."""
    content = _CONTENT.get(kind)
    if content is not None:
        raw = {"post_id": post_id, "comment_id": comment_id}[content.field]
        found = content.find(reporter=reporter, id=_int_id(raw, missing=content.not_found))
        return ReportTarget(
            kind,
            found.target_user,
            None,
            None,
            found.label,
            content_id=int(raw),
            content_snapshot=found.snapshot,
        )
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
    if target.content_snapshot is not None:
        return target.content_snapshot
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
    post_id=None,
    comment_id=None,
) -> tuple[Report, bool]:
    """``reporter`` reports a user, an order, a chat message, or a 동네생활 post or comment:
    ``(report, created)``.

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
        reporter=reporter,
        kind=target,
        user_id=user_id,
        order_id=order_id,
        message_id=message_id,
        post_id=post_id,
        comment_id=comment_id,
    )
    content = _CONTENT.get(found.kind)
    content_column = {f"{content.fk}_id": found.content_id} if content is not None else {}
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
        elif content is not None:
            same = same.filter(**content_column)
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
            **content_column,
            reason=reason,
            text=text,
            snapshot=_snapshot(found),
        )
    return report, True
