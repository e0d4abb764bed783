"""Permission-checked fetch of a group order, shared by REST, pages and consumers."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from mealbuddy.core.errors import NotFound
from mealbuddy.groupbuys.errors import NotHost
from mealbuddy.groupbuys.models import GroupOrder, Participation

ORDER_NOT_FOUND = "주문을 찾을 수 없어요."


def access_group_order(
    *, user, id: int, lock: bool = False, require_host: bool = False, visible: bool = False
) -> GroupOrder:
    """The group order ``id`` for ``user`` (any signed-in resident may read one).

    ``lock=True`` locks the row (``SELECT ... FOR UPDATE``; call inside a transaction).
    ``require_host=True`` raises ``NotHost`` (403, code ``not_host``) unless ``user`` is the
    host. Raises ``mealbuddy.core.errors.NotFound`` (404) for a missing id.
    ``visible=True`` (the reads: detail pages and APIs) also answers 404 for an order the
    viewer may not see (``selectors.group_order_visible``: hidden by a moderator, or its
    host and the viewer blocked each other), read in the same query.
    """
    queryset = GroupOrder.objects.all()
    if lock:
        queryset = queryset.select_for_update()
    else:
        # series_occurrence: the order page's "정기 모집" section (issue 14) knows without a
        # query that an ordinary order is in no series.
        queryset = queryset.select_related(
            "host", "host__profile", "host__standing", "region", "chat_room", "series_occurrence"
        )
    viewer_id = getattr(user, "pk", None)
    if visible and viewer_id is not None:
        from mealbuddy.groupbuys.selectors import viewer_blocked_exists

        queryset = queryset.annotate(
            viewer_member=Exists(
                Participation.objects.filter(group_order_id=OuterRef("pk"), user_id=viewer_id)
            ),
            viewer_blocked=viewer_blocked_exists(viewer_id),
        )
    try:
        group_order = queryset.get(pk=id)
    except (GroupOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound(ORDER_NOT_FOUND) from None
    if visible:
        from mealbuddy.groupbuys.selectors import group_order_visible

        if not group_order_visible(
            host_id=group_order.host_id,
            hidden=group_order.hidden_at is not None,
            viewer=user,
            is_member=getattr(group_order, "viewer_member", False),
            blocked=getattr(group_order, "viewer_blocked", False),
        ):
            raise NotFound(ORDER_NOT_FOUND)
    if require_host and group_order.host_id != viewer_id:
        raise NotHost()
    return group_order
