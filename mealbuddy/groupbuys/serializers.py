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
from mealbuddy.trust.selectors import region_verified, standing_of


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
    payment = serializers.CharField(
        required=False, help_text="direct (직접 정산, 기본) | prepaid (앱에서 결제)"
    )
    noshow_deposit = serializers.IntegerField(
        required=False, max_value=MAX_BIGINT, help_text="노쇼 보증금 0~5,000원 (앱에서 결제만)"
    )
    settle_account = serializers.CharField(
        allow_blank=True, required=False, max_length=200, help_text="정산 받을 계좌 (100자 이내)"
    )
    verified_only = serializers.BooleanField(
        required=False, help_text="동네인증한 이웃만 참여할 수 있게 하기"
    )


class GroupOrderCreateInput(GroupOrderInput):
    title = serializers.CharField(allow_blank=True, max_length=200)
    category = serializers.CharField()
    target_count = serializers.IntegerField(max_value=MAX_BIGINT)


class GroupOrderStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=GroupOrder.Status.choices)


class GroupOrderJoinInput(serializers.Serializer):
    use_points = serializers.BooleanField(
        required=False, default=False, help_text="앱에서 결제: 포인트 먼저 쓰기"
    )


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
        "payment": group_order.payment,
        "noshow_deposit": group_order.noshow_deposit,
        # Where to send money is for the people who owe it, not for the whole neighbourhood.
        "settle_account": group_order.settle_account if joined else "",
        "host": person_payload(group_order.host, viewer_id=getattr(viewer, "pk", None)),
        # Needs host__standing loaded (the feed and access_group_order do): the badge and
        # score from the same rule the pages show.
        "host_verified": region_verified(user=group_order.host),
        "host_manner_score": float(standing_of(group_order.host).manner_score),
        "verified_only": group_order.verified_only,
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
    email = serializers.CharField(help_text="본인에게만 보여요. 다른 사람에게는 빈 문자열.")


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
    payment = serializers.ChoiceField(
        choices=GroupOrder.Payment.choices, help_text="direct 직접 정산 | prepaid 앱에서 결제"
    )
    noshow_deposit = serializers.IntegerField(help_text="노쇼 보증금 (원, 앱에서 결제만)")
    settle_account = serializers.CharField(
        help_text="정산 받을 계좌: 이 주문의 참여자에게만 보여요 (다른 사람에게는 빈 문자열)"
    )
    host = GroupOrderPersonOut()
    host_verified = serializers.BooleanField(help_text="방장이 동네인증했는지")
    host_manner_score = serializers.FloatField(help_text="방장의 매너 점수")
    verified_only = serializers.BooleanField(help_text="동네인증한 이웃만 참여할 수 있는 주문")
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


# --- 정산 (issue 10) -------------------------------------------------------------------------


class SettlementTargetInput(serializers.Serializer):
    target_user_id = serializers.IntegerField(
        min_value=1, max_value=MAX_BIGINT, help_text="대상 멤버의 사용자 id"
    )


class SettlementDisputeInput(serializers.Serializer):
    target_user_id = serializers.IntegerField(
        min_value=1,
        max_value=MAX_BIGINT,
        required=False,
        allow_null=True,
        help_text="방장만: 이의를 제기할 멤버 (멤버는 자기 보증금이라 보내지 않아요)",
    )


class SettlementPaidInput(SettlementTargetInput):
    paid = serializers.BooleanField(default=True, help_text="true 입금 확인, false 확인 취소")


class SettlementPrefsInput(serializers.Serializer):
    spending_cap = serializers.IntegerField(
        required=False,
        allow_null=True,
        max_value=MAX_BIGINT,
        help_text="내 한도 (원, null이면 한도 없음)",
    )
    use_points = serializers.BooleanField(required=False, help_text="포인트 먼저 쓰기")


class SettlementReceiptInput(serializers.Serializer):
    # A plain file here: the service checks it is a photo and re-encodes it (core.images).
    receipt = serializers.FileField(help_text="영수증 사진 (JPEG, PNG, WEBP, GIF, 5MB 이하)")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def settlement_payload(settlement, *, viewer_id: int | None) -> dict:
    """The 정산 section as ``selectors.group_order_settlement`` computed it, nothing added."""
    group_order = settlement.group_order
    breakdown = settlement.breakdown
    mine = settlement.mine.participation
    return {
        "group_order_id": group_order.pk,
        "status": group_order.current_status(),
        "payment": group_order.payment,
        "payment_label": group_order.get_payment_display(),
        "noshow_deposit": group_order.noshow_deposit,
        "settle_account": group_order.settle_account,
        "receipt_url": group_order.receipt.url if group_order.receipt else "",
        "ordered_at": _iso(group_order.ordered_at),
        "arrived_at": _iso(group_order.arrived_at),
        "is_host": settlement.is_host,
        "totals": {
            "items_total": breakdown.items_total,
            "delivery_fee": breakdown.delivery_fee,
            "fee_total": breakdown.fee_total,
            "grand_total": breakdown.grand_total,
            "min_order_amount": breakdown.min_order_amount,
            "missing_amount": breakdown.missing_amount,
            "paid_total": settlement.paid_total,
            "unpaid_count": len(settlement.unpaid),
        },
        "members": [
            {
                "user": person_payload(row.user, viewer_id=viewer_id),
                "is_host": row.share.is_host,
                "is_me": row.user.pk == viewer_id,
                "items": [item_payload(i) for i in row.share.items],
                "items_subtotal": row.share.items_subtotal,
                "fee_share": row.share.fee_share,
                "total": row.share.total,
                "paid": row.paid,
                "sent": row.sent,
                "received": row.received,
                "held": row.held,
                "captured": row.captured,
                "deposit": row.deposit,
                "deposit_state": row.deposit_state,
                "deposit_label": row.deposit_label,
                "actions": {
                    "mark_paid": row.mark_paid.as_dict(),
                    "noshow": row.noshow.as_dict(),
                    "dispute": row.dispute.as_dict(),
                },
            }
            for row in settlement.rows
        ],
        "prefs": {"spending_cap": mine.spending_cap, "use_points": mine.use_points},
        "actions": {
            name: getattr(settlement, name).as_dict()
            for name in ("arrived", "received", "sent", "remind", "receipt", "prefs")
        },
    }


class SettlementTotalsOut(serializers.Serializer):
    items_total = serializers.IntegerField(help_text="모든 멤버의 메뉴 합계")
    delivery_fee = serializers.IntegerField()
    fee_total = serializers.IntegerField(help_text="나눈 배달비의 합 (= 배달비)")
    grand_total = serializers.IntegerField(help_text="메뉴 합계 + 배달비")
    min_order_amount = serializers.IntegerField()
    missing_amount = serializers.IntegerField(help_text="최소주문금액까지 모자란 금액")
    paid_total = serializers.IntegerField(help_text="방장 말고 낸 것으로 확인된 부담액 합")
    unpaid_count = serializers.IntegerField(help_text="아직 안 낸 멤버 수 (방장 제외)")


class SettlementRowActionsOut(serializers.Serializer):
    mark_paid = GroupOrderActionOut(help_text="보는 사람(방장)이 '입금 확인'을 누르거나 풀 수 있나")
    noshow = GroupOrderActionOut(help_text="보는 사람(방장)이 노쇼로 신고할 수 있나")
    dispute = GroupOrderActionOut(help_text="보는 사람이 이 멤버의 보증금에 이의를 제기할 수 있나")


class SettlementMemberOut(serializers.Serializer):
    user = GroupOrderPersonOut()
    is_host = serializers.BooleanField()
    is_me = serializers.BooleanField()
    items = OrderItemOut(many=True)
    items_subtotal = serializers.IntegerField()
    fee_share = serializers.IntegerField()
    total = serializers.IntegerField(help_text="메뉴 + 배달비 몫")
    paid = serializers.BooleanField(
        help_text="앱에서 결제: 주문할 때 정산됨 / 직접 정산: 방장 확인"
    )
    sent = serializers.BooleanField(help_text="직접 정산: 멤버가 '송금했어요'를 누름")
    received = serializers.BooleanField(help_text="'받았어요'를 누름 (방장은 늘 true)")
    held = serializers.IntegerField(help_text="앱에서 결제, 주문 전: 지금 맡겨 둔 부담액")
    captured = serializers.IntegerField(help_text="앱에서 결제: 주문할 때 방장에게 간 금액")
    deposit = serializers.IntegerField(help_text="맡겨 둔 노쇼 보증금")
    deposit_state = serializers.CharField(
        help_text="'' | held | returned | noshow | disputed | forfeited"
    )
    deposit_label = serializers.CharField()
    actions = SettlementRowActionsOut()


class SettlementPrefsOut(serializers.Serializer):
    spending_cap = serializers.IntegerField(allow_null=True, help_text="내 한도 (원)")
    use_points = serializers.BooleanField()


class SettlementActionsOut(serializers.Serializer):
    arrived = GroupOrderActionOut(help_text="방장: 도착했어요")
    received = GroupOrderActionOut(help_text="멤버: 받았어요")
    sent = GroupOrderActionOut(help_text="멤버: 송금했어요 (직접 정산)")
    remind = GroupOrderActionOut(help_text="방장: 안 낸 멤버에게 알림 (직접 정산)")
    receipt = GroupOrderActionOut(help_text="방장: 영수증 사진 올리기")
    prefs = GroupOrderActionOut(help_text="내 한도·포인트 설정 (주문 전까지)")


class SettlementOut(serializers.Serializer):
    group_order_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=GroupOrder.Status.choices)
    payment = serializers.ChoiceField(choices=GroupOrder.Payment.choices)
    payment_label = serializers.CharField()
    noshow_deposit = serializers.IntegerField()
    settle_account = serializers.CharField(help_text="정산 받을 계좌 (직접 정산)")
    receipt_url = serializers.CharField(help_text="영수증 사진 주소 (없으면 빈 문자열)")
    ordered_at = serializers.DateTimeField(allow_null=True)
    arrived_at = serializers.DateTimeField(allow_null=True, help_text="방장이 도착을 알린 시각")
    is_host = serializers.BooleanField()
    totals = SettlementTotalsOut()
    members = SettlementMemberOut(many=True, help_text="방장 먼저, 그다음 참여 순서")
    prefs = SettlementPrefsOut(help_text="보는 사람의 결제 설정")
    actions = SettlementActionsOut(help_text="보는 사람이 지금 할 수 있는 일 (서비스와 같은 규칙)")


class SettlementRemindOut(SettlementOut):
    reminded = serializers.IntegerField(help_text="이번에 알림을 보낸 멤버 수")
