"""Moderation: the staff's report queue, their actions, the audit log, sanctions lifting.

Every staff decision goes through ``moderation_act``: it checks the staff member, changes
what the action changes (hides an order, a message, a 동네생활 post or comment, warns,
suspends, bans, lifts), writes
one ``ModerationAction`` row (who, when, why) and resolves every open report about the same
thing, all in one transaction. Sockets hear of it after commit. Reads for the staff pages
are the selectors ``report_queue``, ``report_detail`` and ``moderation_log``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from mealbuddy.chat.models import Message
from mealbuddy.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from mealbuddy.core.realtime import (
    account_sockets_close_restricted,
    broadcast_on_commit,
    chat_room_group,
    group_order_changed,
)
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notifications_create
from mealbuddy.trust.models import ModerationAction, Report, Standing
from mealbuddy.trust.reports import reported_content
from mealbuddy.trust.selectors import restriction_active

Kind = ModerationAction.Kind
Restriction = Standing.Restriction

REASON_MAX_LENGTH = 500
# Messages shown around a reported one on the detail page (before and after it).
MESSAGE_CONTEXT = 3
QUEUE_PAGE_SIZE = 50
SORTS = {"newest": "최근 신고 순", "most": "신고 많은 순"}
# Actions on a report; "lift" is offered on a person (it answers no report).
REPORT_KINDS = (
    Kind.DISMISS,
    Kind.HIDE_ORDER,
    Kind.HIDE_MESSAGE,
    Kind.HIDE_POST,
    Kind.HIDE_COMMENT,
    Kind.WARN,
    Kind.SUSPEND,
    Kind.BAN,
)
USER_KINDS = (Kind.WARN, Kind.SUSPEND, Kind.BAN, Kind.LIFT)


def staff_check(user) -> None:
    """Only staff moderate. Everyone else is told nothing is here (404), as on the pages."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        raise NotFound("찾을 수 없어요.")


# --- reads ------------------------------------------------------------------------------------


def _same_thing(report: Report) -> Q:
    """Reports about the same thing as ``report``: one message, one order, one 동네생활 post
    or comment, or one person."""
    if report.target == Report.Target.MESSAGE and report.message_id is not None:
        return Q(target=Report.Target.MESSAGE, message_id=report.message_id)
    if report.target == Report.Target.ORDER and report.group_order_id is not None:
        return Q(target=Report.Target.ORDER, group_order_id=report.group_order_id)
    content = reported_content(report.target)
    if content is not None and getattr(report, f"{content.fk}_id") is not None:
        column = f"{content.fk}_id"
        return Q(target=report.target, **{column: getattr(report, column)})
    return Q(target=report.target, target_user_id=report.target_user_id)


@dataclass
class QueueEntry:
    """Open reports about one thing: the newest of them stands for the group."""

    report: Report
    count: int
    last_at: datetime


@dataclass
class Queue:
    entries: list[QueueEntry]
    sort: str
    open_reports: int
    open_groups: int


def report_queue(*, staff, sort: str = "newest", limit: int = QUEUE_PAGE_SIZE) -> Queue:
    """Open reports grouped by what they are about (the same person, order, message, post or
    comment),
    newest report first (``sort="newest"``) or most reported first (``"most"``).

    Two queries whatever the page size (the groups, their newest reports with the reported
    person, the reporter and the order), two more for the totals when there are more groups
    than one page holds.
    """
    staff_check(staff)
    sort = sort if sort in SORTS else "newest"
    open_reports = Report.objects.filter(status=Report.Status.OPEN)
    grouped = open_reports.values(
        "target", "target_user_id", "group_order_id", "message_id", "post_id", "comment_id"
    )
    grouped = grouped.annotate(
        count=Count("id"),
        last_at=Max("created_at"),
        latest_id=Max("id"),
    )
    if sort == "most":
        grouped = grouped.order_by("-count", "-last_at", "-latest_id")
    else:
        grouped = grouped.order_by("-last_at", "-latest_id")
    groups = list(grouped[:limit])
    latest = Report.objects.select_related("target_user", "reporter", "group_order").in_bulk(
        [g["latest_id"] for g in groups]
    )
    entries = [
        QueueEntry(report=latest[g["latest_id"]], count=g["count"], last_at=g["last_at"])
        for g in groups
        if g["latest_id"] in latest
    ]
    if len(groups) < limit:
        open_groups = len(groups)
        open_count = sum(g["count"] for g in groups)
    else:
        open_groups = grouped.order_by().count()
        open_count = open_reports.count()
    return Queue(entries=entries, sort=sort, open_reports=open_count, open_groups=open_groups)


@dataclass
class ReportDetail:
    report: Report
    # Every report about the same thing (open ones first), the one opened among them.
    related: list[Report]
    open_count: int
    group_order: GroupOrder | None
    messages: list[Message]
    # A 동네생활 post or comment as it is now (its app's ``context``): None when gone.
    content: dict | None
    standing: Standing
    restricted: bool
    actions: list[ModerationAction]
    other_reports: list[Report]
    kinds: list[tuple[str, str]] = field(default_factory=list)
    lift_offered: bool = False


def _report_for(staff, report_id) -> Report:
    staff_check(staff)
    try:
        return Report.objects.select_related(
            "target_user", "reporter", "resolved_by", "group_order", "group_order__host"
        ).get(pk=report_id)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise NotFound("신고를 찾을 수 없어요.") from None


def report_detail(*, staff, report_id: int) -> ReportDetail:
    """One report with its context: the others about the same thing, the order, the
    reported message with a few around it, the reported post or comment as it is now (a
    comment with its post's title and the comments around it), the person's standing, past
    actions and reports."""
    report = _report_for(staff, report_id)
    related = list(
        Report.objects.filter(_same_thing(report))
        .select_related("reporter")
        .order_by("-created_at", "-id")[:50]
    )
    messages: list[Message] = []
    if report.message_id is not None:
        message = Message.objects.filter(pk=report.message_id).only("room_id").first()
        if message is not None:
            messages = list(
                Message.objects.filter(
                    room_id=message.room_id,
                    id__gte=_nth_id(message.room_id, report.message_id, before=True),
                    id__lte=_nth_id(message.room_id, report.message_id, before=False),
                )
                .select_related("user")
                .order_by("id")
            )
    content = None
    registered = reported_content(report.target)
    if registered is not None and getattr(report, f"{registered.fk}_id") is not None:
        content = registered.context(id=getattr(report, f"{registered.fk}_id"))
    standing = Standing.objects.filter(user_id=report.target_user_id).first() or Standing(
        user_id=report.target_user_id
    )
    actions = list(
        ModerationAction.objects.filter(target_user_id=report.target_user_id).select_related(
            "staff"
        )[:20]
    )
    other_reports = list(
        Report.objects.filter(target_user_id=report.target_user_id)
        .exclude(_same_thing(report))
        .select_related("reporter")
        .order_by("-created_at", "-id")[:20]
    )
    restricted = restriction_active(standing=standing)
    kinds = []
    if report.status == Report.Status.OPEN:
        for kind in REPORT_KINDS:
            if kind == Kind.HIDE_ORDER and report.group_order_id is None:
                continue
            if kind == Kind.HIDE_MESSAGE and report.message_id is None:
                continue
            if kind in (Kind.HIDE_POST, Kind.HIDE_COMMENT):
                registered = reported_content(report.target)
                if registered is None or registered.hide_kind != kind or content is None:
                    continue
            kinds.append((kind.value, kind.label))
    return ReportDetail(
        report=report,
        related=related,
        open_count=sum(1 for r in related if r.status == Report.Status.OPEN),
        group_order=report.group_order,
        messages=messages,
        content=content,
        standing=standing,
        restricted=restricted,
        actions=actions,
        other_reports=other_reports,
        kinds=kinds,
        lift_offered=restricted,
    )


def _nth_id(room_id: int, message_id: int, *, before: bool) -> int:
    """The id ``MESSAGE_CONTEXT`` messages before (or after) ``message_id`` in its room."""
    rows = Message.objects.filter(room_id=room_id)
    if before:
        rows = rows.filter(id__lt=message_id).order_by("-id")
    else:
        rows = rows.filter(id__gt=message_id).order_by("id")
    ids = list(rows.values_list("id", flat=True)[:MESSAGE_CONTEXT])
    return ids[-1] if ids else message_id


def moderation_log(*, staff, limit: int = 100) -> QuerySet[ModerationAction]:
    """The audit log, newest first: who did what to whom, when and why."""
    staff_check(staff)
    return ModerationAction.objects.select_related(
        "staff", "target_user", "group_order", "post", "report"
    ).order_by("-created_at", "-id")[:limit]


# --- writes -----------------------------------------------------------------------------------


def _reason_clean(reason) -> str:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ApplicationError("사유를 적어 주세요.", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError(f"사유는 {REASON_MAX_LENGTH}자 이내로 적어 주세요.", field="reason")
    return reason


def _days_clean(days) -> int:
    most = settings.TRUST_SUSPEND_MAX_DAYS
    if isinstance(days, str) and days.strip().isdigit():
        days = int(days.strip())
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= most:
        raise ApplicationError(f"정지 기간은 1~{most}일로 정해 주세요.", field="days")
    return days


def _standing_locked(user_id: int) -> Standing:
    Standing.objects.get_or_create(user_id=user_id)
    return Standing.objects.select_for_update().get(user_id=user_id)


def _notify(user, text: str) -> None:
    notifications_create(users=[user], kind=Notification.Kind.NOTICE, text=text[:200])


def _until_text(until: datetime) -> str:
    return date_format(timezone.localtime(until), "n월 j일 H:i")


@transaction.atomic
def moderation_act(
    *,
    staff,
    kind: str,
    reason: str,
    report: Report | int | None = None,
    target_user=None,
    days: int | None = None,
) -> ModerationAction:
    """One staff decision, audited. On a ``report`` (an open one; ``Conflict`` if another
    staff member already decided it): dismiss, hide the order, hide the message, warn,
    suspend for ``days``, ban, hide the 동네생활 post or comment; every open report about the
    same thing is resolved with it.
    On a person (``target_user``, no report): warn, suspend, ban or lift.

    ``reason`` is required (field ``reason``); ``days`` 1–TRUST_SUSPEND_MAX_DAYS for a
    suspension (field ``days``). Anyone but staff gets ``NotFound``.
    """
    staff_check(staff)
    reason = _reason_clean(reason)
    now = timezone.now()
    reports: list[Report] = []
    group_order_id = message_id = None
    content_columns: dict[str, int | None] = {}
    if report is not None:
        report_id = report.pk if isinstance(report, Report) else report
        locked = Report.objects.select_for_update().filter(pk=report_id).first()
        if locked is None:
            raise NotFound("신고를 찾을 수 없어요.")
        if locked.status != Report.Status.OPEN:
            raise Conflict("이미 처리된 신고예요. 목록을 새로 고쳐 주세요.")
        if kind not in REPORT_KINDS:
            raise ApplicationError("신고에 할 수 없는 조치예요.", field="kind")
        reports = list(
            Report.objects.select_for_update()
            .filter(_same_thing(locked), status=Report.Status.OPEN)
            .order_by("pk")
        )
        target_user_id = locked.target_user_id
        group_order_id, message_id = locked.group_order_id, locked.message_id
        content_columns = {"post_id": locked.post_id, "comment_id": locked.comment_id}
        report = locked
    elif target_user is not None:
        if kind not in USER_KINDS:
            raise ApplicationError("사용자에게 할 수 없는 조치예요.", field="kind")
        target_user_id = target_user.pk
    else:
        raise ApplicationError("무엇에 대한 조치인지 알 수 없어요.")

    if target_user_id == staff.pk and kind in (Kind.WARN, Kind.SUSPEND, Kind.BAN):
        raise PermissionDenied("자기 자신은 제재할 수 없어요.")
    action_days = None
    if kind == Kind.DISMISS:
        pass
    elif kind == Kind.HIDE_ORDER:
        if group_order_id is None:
            raise ApplicationError("숨길 모집글이 없어요 (이미 지워졌어요).", field="kind")
        GroupOrder.objects.filter(pk=group_order_id, hidden_at__isnull=True).update(hidden_at=now)
        group_order_changed(group_order_id)
    elif kind == Kind.HIDE_MESSAGE:
        message = Message.objects.filter(pk=message_id).only("room_id").first()
        if message is None:
            raise ApplicationError("숨길 메시지가 없어요 (이미 지워졌어요).", field="kind")
        Message.objects.filter(pk=message.pk, hidden_at__isnull=True).update(hidden_at=now)
        # Open rooms replace the bubble's text (chat/consumers.chat_message_hidden).
        broadcast_on_commit(
            chat_room_group(message.room_id), {"type": "chat.message_hidden", "id": message.pk}
        )
    elif kind in (Kind.HIDE_POST, Kind.HIDE_COMMENT):
        registered = reported_content(report.target)
        if registered is None or registered.hide_kind != kind:
            raise ApplicationError("이 신고에 할 수 없는 조치예요.", field="kind")
        content_id = content_columns.get(f"{registered.fk}_id")
        if content_id is None or not registered.hide(id=content_id, now=now):
            raise ApplicationError("숨길 글이 없어요 (이미 지워졌어요).", field="kind")
    elif kind == Kind.WARN:
        standing = _standing_locked(target_user_id)
        standing.warnings += 1
        standing.save(update_fields=["warnings", "updated_at"])
        _notify(
            _user(target_user_id),
            f"운영정책 위반으로 경고를 받았어요. 사유: {reason}",
        )
    elif kind in (Kind.SUSPEND, Kind.BAN):
        standing = _standing_locked(target_user_id)
        if standing.restriction == Restriction.BANNED:
            raise Conflict("이미 영구 정지된 계정이에요.")
        if kind == Kind.SUSPEND:
            action_days = _days_clean(days)
            standing.restriction = Restriction.SUSPENDED
            standing.restricted_until = now + timedelta(days=action_days)
            text = (
                f"운영정책 위반으로 {_until_text(standing.restricted_until)}까지 이용이 "
                f"제한됐어요. 사유: {reason}"
            )
        else:
            standing.restriction = Restriction.BANNED
            standing.restricted_until = None
            text = f"운영정책 위반으로 이용이 영구 정지됐어요. 사유: {reason}"
        standing.restriction_reason = reason[:200]
        standing.save(
            update_fields=["restriction", "restricted_until", "restriction_reason", "updated_at"]
        )
        _notify(_user(target_user_id), text)
        account_sockets_close_restricted(user_id=target_user_id)
    elif kind == Kind.LIFT:
        standing = _standing_locked(target_user_id)
        if standing.restriction == Restriction.NONE:
            raise Conflict("제한된 계정이 아니에요.")
        standing.restriction = Restriction.NONE
        standing.restricted_until = None
        standing.restriction_reason = ""
        standing.save(
            update_fields=["restriction", "restricted_until", "restriction_reason", "updated_at"]
        )
        _notify(_user(target_user_id), "계정 이용 제한이 풀렸어요.")
    else:
        raise ApplicationError("알 수 없는 조치예요.", field="kind")

    action = ModerationAction.objects.create(
        staff=staff,
        kind=kind,
        target_user_id=target_user_id,
        group_order_id=group_order_id,
        message_id=message_id,
        **content_columns,
        report=report if isinstance(report, Report) else None,
        reason=reason,
        days=action_days,
    )
    if reports:
        Report.objects.filter(pk__in=[r.pk for r in reports]).update(
            status=Report.Status.DISMISSED if kind == Kind.DISMISS else Report.Status.ACTIONED,
            resolved_by=staff,
            resolved_at=now,
        )
    return action


def _user(user_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user_id)


LIFT_REASON = "정지 기간이 끝나 자동으로 풀렸어요."


def sanctions_lift_expired(*, now: datetime | None = None) -> int:
    """Lift every suspension whose end has passed, each with a LIFT row (staff None).

    Idempotent: each lift is a conditional UPDATE (still suspended, still past its end), and
    only the run whose UPDATE changed the row writes the audit row, so two runs (or two
    schedulers at once) lift once. Returns how many were lifted.
    """
    now = now or timezone.now()
    due = list(
        Standing.objects.filter(
            restriction=Restriction.SUSPENDED, restricted_until__lte=now
        ).values_list("user_id", flat=True)
    )
    lifted = 0
    for user_id in due:
        with transaction.atomic():
            changed = Standing.objects.filter(
                user_id=user_id, restriction=Restriction.SUSPENDED, restricted_until__lte=now
            ).update(
                restriction=Restriction.NONE,
                restricted_until=None,
                restriction_reason="",
                updated_at=now,
            )
            if changed != 1:
                continue
            ModerationAction.objects.create(
                staff=None, kind=Kind.LIFT, target_user_id=user_id, reason=LIFT_REASON
            )
            _notify(_user(user_id), "정지 기간이 끝나 다시 글쓰기·참여·채팅·후기를 할 수 있어요.")
            lifted += 1
    return lifted
