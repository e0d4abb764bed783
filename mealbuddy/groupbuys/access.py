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
    host. Raises ``mealbuddy.core.errors.NotFound`` (404) for a missing id.
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
    if require_host and group_order.host_id != getattr(user, "pk", None):
        raise NotHost()
    return group_order
