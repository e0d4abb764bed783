"""Input parsing and output shapes of the native group-order API.

Input serializers only parse types; every business rule lives in services. Output is
built by small functions (no per-field serializer cost on lists); the ``*Out``
serializers document those shapes in the OpenAPI schema.
"""

from __future__ import annotations

from rest_framework import serializers

from mealbuddy.chat.serializers import person_payload
from mealbuddy.core.input import MAX_BIGINT
from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder
from mealbuddy.groupbuys.selectors import FeeBreakdown, would_be_share


class GroupOrderInput(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, required=False, max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    category = serializers.CharField(required=False)
    restaurant = serializers.CharField(allow_blank=True, required=False, max_length=200)
    min_order_amount = serializers.IntegerField(required=False, max_value=MAX_BIGINT)
    delivery_fee = serializers.IntegerField(required=False, max_value=MAX_BIGINT)
    target_count = serializers.IntegerField(required=False, max_value=MAX_BIGINT)
    deadline = serializers.DateTimeField(required=False)
    pickup_spot = serializers.CharField(allow_blank=True, required=False, max_length=300)
    fee_split = serializers.CharField(required=False)


class GroupOrderCreateInput(GroupOrderInput):
    title = serializers.CharField(allow_blank=True, max_length=200)
    category = serializers.CharField()
    target_count = serializers.IntegerField(max_value=MAX_BIGINT)


class GroupOrderStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=GroupOrder.Status.choices)


class GroupOrderBanInput(serializers.Serializer):
    user_id = serializers.IntegerField(max_value=MAX_BIGINT)


class OrderItemInput(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, max_length=200)
    unit_price = serializers.IntegerField(max_value=MAX_BIGINT)
    quantity = serializers.IntegerField(required=False, default=1, max_value=MAX_BIGINT)


class OrderItemUpdateInput(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, max_length=200, required=False)
    unit_price = serializers.IntegerField(required=False, max_value=MAX_BIGINT)
    quantity = serializers.IntegerField(required=False, max_value=MAX_BIGINT)


# --- output -----------------------------------------------------------------------------------


def group_order_payload(group_order: GroupOrder, *, viewer, joined: bool | None = None) -> dict:
    """A feed card / the head of a detail answer. Needs host and region loaded."""
    share = would_be_share(group_order)
    payload = {
        "id": group_order.pk,
        "title": group_order.title,
        "description": group_order.description,
        "category": group_order.category,
        "restaurant": group_order.restaurant,
        "min_order_amount": group_order.min_order_amount,
        "delivery_fee": group_order.delivery_fee,
        "target_count": group_order.target_count,
        "member_count": group_order.member_count,
        "deadline": group_order.deadline.isoformat(),
        "pickup_spot": group_order.pickup_spot,
        "region": {"id": group_order.region_id, "name": group_order.region.full_name},
        "status": group_order.current_status(),
        "status_label": group_order.status_label,
        "fee_split": group_order.fee_split,
        "host": person_payload(group_order.host, viewer_id=getattr(viewer, "pk", None)),
        "chat_room_id": getattr(getattr(group_order, "chat_room", None), "pk", None),
        "created_at": group_order.created_at.isoformat(),
        "would_be_fee_share": {"now": share.now, "when_full": share.when_full},
    }
    if joined is not None:
        payload["is_member"] = joined
    return payload


def item_payload(item) -> dict:
    return {
        "id": item.pk,
        "name": item.name,
        "unit_price": item.unit_price,
        "quantity": item.quantity,
        "subtotal": item.unit_price * item.quantity,
    }


def fees_payload(breakdown: FeeBreakdown, *, viewer_id: int | None) -> dict:
    return {
        "fee_split": breakdown.fee_split,
        "delivery_fee": breakdown.delivery_fee,
        "min_order_amount": breakdown.min_order_amount,
        "items_total": breakdown.items_total,
        "missing_amount": breakdown.missing_amount,
        "members": [
            {
                "user": person_payload(m.user, viewer_id=viewer_id),
                "is_host": m.is_host,
                "items": [item_payload(i) for i in m.items],
                "items_subtotal": m.items_subtotal,
                "fee_share": m.fee_share,
                "total": m.total,
            }
            for m in breakdown.members
        ],
    }


class GroupOrderPersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(help_text="본인에게만 보입니다. 다른 사람에게는 빈 문자열.")


class GroupOrderRegionOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GroupOrderWouldBeShareOut(serializers.Serializer):
    now = serializers.IntegerField(allow_null=True, help_text="지금 참여하면 낼 배달비 (균등 기준)")
    when_full = serializers.IntegerField(help_text="모집 인원이 다 차면 낼 배달비")


class GroupOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.ChoiceField(choices=CATEGORIES)
    restaurant = serializers.CharField()
    min_order_amount = serializers.IntegerField()
    delivery_fee = serializers.IntegerField()
    target_count = serializers.IntegerField()
    member_count = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    pickup_spot = serializers.CharField()
    region = GroupOrderRegionOut()
    status = serializers.ChoiceField(
        choices=GroupOrder.Status.choices, help_text="마감 시각이 지난 모집중 주문은 closed"
    )
    status_label = serializers.CharField()
    fee_split = serializers.ChoiceField(choices=GroupOrder.FeeSplit.choices)
    host = GroupOrderPersonOut()
    chat_room_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    would_be_fee_share = GroupOrderWouldBeShareOut()
    is_member = serializers.BooleanField(required=False)


class GroupOrderPageOut(serializers.Serializer):
    results = GroupOrderOut(many=True)
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()


class OrderItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit_price = serializers.IntegerField()
    quantity = serializers.IntegerField()
    subtotal = serializers.IntegerField()


class GroupOrderMemberShareOut(serializers.Serializer):
    user = GroupOrderPersonOut()
    is_host = serializers.BooleanField()
    items = OrderItemOut(many=True)
    items_subtotal = serializers.IntegerField()
    fee_share = serializers.IntegerField()
    total = serializers.IntegerField()


class GroupOrderFeesOut(serializers.Serializer):
    fee_split = serializers.CharField()
    delivery_fee = serializers.IntegerField()
    min_order_amount = serializers.IntegerField()
    items_total = serializers.IntegerField()
    missing_amount = serializers.IntegerField(help_text="최소주문금액까지 모자란 금액")
    members = GroupOrderMemberShareOut(many=True, help_text="방장 먼저, 그다음 참여 순서")


class GroupOrderActionOut(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = serializers.CharField(help_text="안 되는 이유 (되면 빈 문자열)")
    code = serializers.CharField(help_text="안 될 때 서비스가 돌려줄 오류 code")


class GroupOrderActionsOut(serializers.Serializer):
    join = GroupOrderActionOut()
    leave = GroupOrderActionOut()
    edit = GroupOrderActionOut()
    delete = GroupOrderActionOut()
    ban = GroupOrderActionOut()
    items = GroupOrderActionOut()
    status = serializers.DictField(
        child=GroupOrderActionOut(), help_text="상태별 바꾸기 가능 여부 (방장)"
    )


class GroupOrderDetailOut(GroupOrderOut):
    is_host = serializers.BooleanField()
    is_banned = serializers.BooleanField()
    actions = GroupOrderActionsOut(help_text="보는 사람이 지금 할 수 있는 일 (서비스와 같은 규칙)")
    fees = GroupOrderFeesOut()
