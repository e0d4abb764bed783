"""Permission-checked fetch of a group order, shared by REST, pages and consumers."""

from __future__ import annotations

from mealbuddy.core.errors import NotFound
from mealbuddy.groupbuys.errors import NotHost
from mealbuddy.groupbuys.models import GroupOrder


def access_group_order(
    *, user, id: int, lock: bool = False, require_host: bool = False
) -> GroupOrder:
    """The group order ``id`` for ``user`` (any signed-in resident may read one).

    ``lock=True`` locks the row (``SELECT ... FOR UPDATE``; call inside a transaction).
    ``require_host=True`` raises ``NotHost`` (403, code ``not_host``) unless ``user`` is the
    host. Raises ``mealbuddy.core.errors.NotFound`` (404) for a missing id, and for an order
    a moderator hid unless ``user`` is its host, a member or staff.
    """
    queryset = GroupOrder.objects.all()
    if lock:
        queryset = queryset.select_for_update()
    else:
        queryset = queryset.select_related(
            "host", "host__profile", "host__standing", "region", "chat_room"
        )
    try:
        group_order = queryset.get(pk=id)
    except (GroupOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound("주문을 찾을 수 없어요.") from None
    if group_order.hidden_at is not None and not _hidden_visible(group_order, user):
        raise NotFound("주문을 찾을 수 없어요.")
    if require_host and group_order.host_id != getattr(user, "pk", None):
        raise NotHost()
    return group_order


def _hidden_visible(group_order: GroupOrder, user) -> bool:
    """A moderator hid the order: only its host and members (who may have money in it to
    settle) and staff still reach it; for anyone else it is gone."""
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return False
    if group_order.host_id == user_id or getattr(user, "is_staff", False):
        return True
    return group_order.participations.filter(user_id=user_id).exists()
