"""Native REST API for group orders (``/api/groupbuys/...``): parse, call one service, render."""

from __future__ import annotations

from contextlib import contextmanager

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.api import validated
from mealbuddy.core.input import MAX_PAGE, query_int
from mealbuddy.groupbuys import selectors, services
from mealbuddy.groupbuys import settlement as settlement_services
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.groupbuys.errors import NotMember
from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder
from mealbuddy.groupbuys.serializers import (
    GroupOrderBanInput,
    GroupOrderCreateInput,
    GroupOrderDetailOut,
    GroupOrderInput,
    GroupOrderJoinInput,
    GroupOrderPageOut,
    GroupOrderStatusInput,
    OrderItemInput,
    OrderItemOut,
    OrderItemUpdateInput,
    SettlementDisputeInput,
    SettlementOut,
    SettlementPaidInput,
    SettlementPrefsInput,
    SettlementReceiptInput,
    SettlementRemindOut,
    SettlementTargetInput,
    fees_payload,
    group_order_payload,
    item_payload,
    settlement_payload,
)

TAGS = ["공동주문"]
PAGE_SIZE = 20


def detail_payload(group_order: GroupOrder, *, viewer) -> dict:
    members = selectors.group_order_members(group_order=group_order)
    breakdown = selectors.fee_breakdown(group_order, members=members)
    joined = breakdown.share_for(viewer.pk) is not None
    actions = selectors.group_order_actions(
        group_order=group_order, user=viewer, is_member=joined, items_total=breakdown.items_total
    )
    payload = group_order_payload(group_order, viewer=viewer, joined=joined)
    payload["is_host"] = actions.is_host
    payload["is_banned"] = actions.is_banned
    payload["actions"] = actions.as_dict()
    payload["fees"] = fees_payload(breakdown, viewer_id=viewer.pk)
    return payload


def _detail_response(request, pk: int, *, status_code: int = 200) -> Response:
    group_order = access_group_order(user=request.user, id=pk, visible=True)
    return Response(detail_payload(group_order, viewer=request.user), status=status_code)


class GroupOrderListView(APIView):
    throttle_scope = "post"

    @extend_schema(
        tags=TAGS,
        summary="동네 공동주문 목록",
        operation_id="groupbuys_list",
        description="모집중 먼저, 그다음 나머지. 카드마다 지금 참여하면 낼 배달비가 들어 있어요.",
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, enum=CATEGORIES),
            OpenApiParameter("status", OpenApiTypes.STR, enum=GroupOrder.Status.values),
            OpenApiParameter("q", OpenApiTypes.STR, description="제목·가게 이름 검색"),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.SORTS)),
            OpenApiParameter("neighbours", OpenApiTypes.BOOL, description="옆 동네 포함"),
            OpenApiParameter("verified", OpenApiTypes.BOOL, description="동네인증한 방장의 주문만"),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: GroupOrderPageOut},
    )
    def get(self, request):
        params = request.query_params
        page = query_int(params, "page", label="페이지", default=1, minimum=1, maximum=MAX_PAGE)
        queryset = selectors.group_order_feed(
            user=request.user,
            category=params.get("category"),
            status=params.get("status"),
            q=params.get("q"),
            sort=params.get("sort", "newest"),
            include_neighbours=params.get("neighbours") in ("1", "true", "on"),
            verified_hosts=params.get("verified") in ("1", "true", "on"),
        )
        start = (page - 1) * PAGE_SIZE
        rows = list(queryset[start : start + PAGE_SIZE + 1])
        joined = selectors.joined_ids(user=request.user, group_order_ids=[r.pk for r in rows])
        return Response(
            {
                "results": [
                    group_order_payload(r, viewer=request.user, joined=r.pk in joined)
                    for r in rows[:PAGE_SIZE]
                ],
                "page": page,
                "has_next": len(rows) > PAGE_SIZE,
            }
        )

    @extend_schema(
        tags=TAGS,
        summary="공동주문 만들기 (채팅방이 함께 만들어지고 방장이 첫 참여자)",
        request=GroupOrderCreateInput,
        responses={201: GroupOrderDetailOut},
    )
    def post(self, request):
        data = validated(GroupOrderCreateInput, request.data)
        group_order = services.groupbuy_create(host=request.user, **data)
        return _detail_response(request, group_order.pk, status_code=status.HTTP_201_CREATED)


class GroupOrderDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="공동주문 상세 (참여자, 메뉴, 배달비 나누기)",
        responses={200: GroupOrderDetailOut},
    )
    def get(self, request, pk: int):
        return _detail_response(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="공동주문 고치기 (방장만, 주문 완료 전까지)",
        request=GroupOrderInput,
        responses={200: GroupOrderDetailOut},
    )
    def patch(self, request, pk: int):
        data = validated(GroupOrderInput, request.data, partial=True)
        services.groupbuy_update(group_order_id=pk, user=request.user, **data)
        return _detail_response(request, pk)

    @extend_schema(tags=TAGS, summary="공동주문 삭제 (방장만)", responses={204: None})
    def delete(self, request, pk: int):
        services.groupbuy_delete(group_order_id=pk, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JoinView(APIView):
    throttle_scope = "join"

    @extend_schema(
        tags=TAGS,
        summary="참여하기",
        description=(
            "이미 참여했다면 아무것도 바뀌지 않아요. 거절 코드: full, closed, "
            "deadline_passed, banned, not_neighbour, no_region, blocked(서로 차단). "
            "앱에서 결제하는 주문은 "
            "참여할 때 내 부담액(과 노쇼 보증금)을 지갑에서 맡겨 두고, 잔액이 모자라면 "
            "400 insufficient_funds와 함께 missing(모자란 원)과 topup_url(충전하기)을 돌려줘요."
        ),
        request=GroupOrderJoinInput,
        responses={
            200: GroupOrderDetailOut,
            400: OpenApiResponse(
                response=inline_serializer(
                    "GroupOrderJoinRefusedOut",
                    {
                        "errors": serializers.DictField(
                            child=serializers.ListField(child=serializers.CharField())
                        ),
                        "code": serializers.CharField(help_text="insufficient_funds, no_region …"),
                        "missing": serializers.IntegerField(
                            required=False, help_text="insufficient_funds: 모자란 금액 (원)"
                        ),
                        "topup_url": serializers.CharField(
                            required=False, help_text="insufficient_funds: 지갑 충전 주소"
                        ),
                    },
                ),
                description="참여할 수 없음 (잔액 부족이면 missing, topup_url 포함)",
            ),
        },
    )
    def post(self, request, pk: int):
        data = validated(GroupOrderJoinInput, request.data)
        services.groupbuy_join(group_order_id=pk, user=request.user, use_points=data["use_points"])
        return _detail_response(request, pk)


class LeaveView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="나가기 (방장은 나갈 수 없음, 두 번 나가도 괜찮음)",
        request=None,
        responses={
            200: inline_serializer("GroupOrderLeaveOut", {"left": serializers.BooleanField()})
        },
    )
    def post(self, request, pk: int):
        left = services.groupbuy_leave(group_order_id=pk, user=request.user)
        return Response({"left": left})


class BanView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="내보내기 (방장만, 다시 참여할 수 없음)",
        request=GroupOrderBanInput,
        responses={200: GroupOrderDetailOut},
    )
    def post(self, request, pk: int):
        data = validated(GroupOrderBanInput, request.data)
        services.groupbuy_ban(group_order_id=pk, host=request.user, target_user_id=data["user_id"])
        return _detail_response(request, pk)


class StatusView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="상태 바꾸기 (방장만)",
        description=(
            "recruiting→closed|cancelled, closed→recruiting|ordered|cancelled, "
            "ordered→delivered. 마감 시각이 지난 모집중 주문은 closed로 봐요."
        ),
        request=GroupOrderStatusInput,
        responses={200: GroupOrderDetailOut},
    )
    def post(self, request, pk: int):
        data = validated(GroupOrderStatusInput, request.data)
        services.groupbuy_status_change(group_order_id=pk, user=request.user, status=data["status"])
        return _detail_response(request, pk)


class ItemListView(APIView):
    throttle_scope = "item"

    @extend_schema(
        tags=TAGS,
        summary="내 메뉴 추가 (참여자만, 주문 완료 전까지)",
        request=OrderItemInput,
        responses={201: OrderItemOut},
    )
    def post(self, request, pk: int):
        data = validated(OrderItemInput, request.data)
        item = services.item_add(group_order_id=pk, user=request.user, **data)
        return Response(item_payload(item), status=status.HTTP_201_CREATED)


class ItemDetailView(APIView):
    throttle_scope = "item"

    @extend_schema(
        tags=TAGS,
        summary="내 메뉴 고치기",
        request=OrderItemUpdateInput,
        responses={200: OrderItemOut},
    )
    def patch(self, request, item_id: int):
        data = validated(OrderItemUpdateInput, request.data)
        item = services.item_update(item_id=item_id, user=request.user, **data)
        return Response(item_payload(item))

    @extend_schema(tags=TAGS, summary="내 메뉴 지우기", responses={204: None})
    def delete(self, request, item_id: int):
        services.item_delete(item_id=item_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- 정산: /api/groupbuys/<id>/settlement/ (issue 10) ----------------------------------------
# One GET for the section and one POST per step; each POST calls one service and answers the
# section again, so a client redraws from what the selector says and never from its own rule.

SETTLEMENT_THROTTLE = "item"  # small writes on one order, by its members, like their items


@contextmanager
def _members_only(*, user, group_order_id: int):
    """The 정산 is for the order's members: the rules answer ``not_member`` for anyone else,
    which at this door is a permission (403), not an input problem. A member naming someone
    who is not a member (``target_user_id``) keeps the 400."""
    try:
        yield
    except NotMember as exc:
        if group_order_id in selectors.joined_ids(user=user, group_order_ids=[group_order_id]):
            raise
        raise NotMember(exc.message, status_code=status.HTTP_403_FORBIDDEN) from None


def _settlement_response(request, pk: int, **extra) -> Response:
    group_order = access_group_order(user=request.user, id=pk)
    with _members_only(user=request.user, group_order_id=group_order.pk):
        settlement = selectors.group_order_settlement(group_order=group_order, user=request.user)
    return Response({**settlement_payload(settlement, viewer_id=request.user.pk), **extra})


def _settle(request, pk: int, step, **kwargs) -> Response:
    with _members_only(user=request.user, group_order_id=pk):
        step(group_order_id=pk, user=request.user, **kwargs)
    return _settlement_response(request, pk)


SETTLEMENT_REFUSALS = {
    400: OpenApiResponse(
        description="입력 오류(필드별) 또는 지금 할 수 없음 (code not_allowed 등)"
    ),
    403: OpenApiResponse(description="참여자가 아님 (not_member) 또는 방장만 (not_host)"),
    404: OpenApiResponse(description="없는 주문"),
}


def _settlement_schema(summary: str, *, request=None, description: str = "", out=SettlementOut):
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=description,
        request=request,
        responses={200: out, **SETTLEMENT_REFUSALS},
    )


class SettlementView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="정산: 멤버별 부담액, 낸 것, 받은 것, 보증금과 내가 할 수 있는 일 (참여자만)",
        responses={
            200: SettlementOut,
            403: SETTLEMENT_REFUSALS[403],
            404: SETTLEMENT_REFUSALS[404],
        },
    )
    def get(self, request, pk: int):
        return _settlement_response(request, pk)


class SettlementArrivedView(APIView):
    throttle_scope = SETTLEMENT_THROTTLE

    @_settlement_schema(
        "도착했어요 (방장, 주문 뒤 한 번)",
        description="멤버들에게 수령 장소와 함께 알림이 가요.",
    )
    def post(self, request, pk: int):
        return _settle(request, pk, settlement_services.groupbuy_arrived)


class SettlementReceivedView(APIView):
    throttle_scope = SETTLEMENT_THROTTLE

    @_settlement_schema(
        "받았어요 (멤버)",
        description="노쇼 보증금이 돌아와요. 모두 받으면 배달 완료, 앱에서 결제면 포인트 적립.",
    )
    def post(self, request, pk: int):
        return _settle(request, pk, settlement_services.groupbuy_received)


class SettlementNoshowView(APIView):
    throttle_scope = SETTLEMENT_THROTTLE

    @_settlement_schema(
        "노쇼 신고 (방장, 도착을 알리고 얼마 뒤)",
        request=SettlementTargetInput,
        description="멤버가 정해진 시간 안에 이의를 제기하지 않으면 보증금은 방장에게 가요.",
    )
    def post(self, request, pk: int):
        data = validated(SettlementTargetInput, request.data)
        return _settle(
            request, pk, settlement_services.groupbuy_noshow, target_user_id=data["target_user_id"]
        )


class SettlementDisputeView(APIView):
    throttle_scope = SETTLEMENT_THROTTLE

    @_settlement_schema(
        "보증금 이의 제기 (운영팀이 정할 때까지 묶임)",
        request=SettlementDisputeInput,
        description=(
            "멤버: 노쇼 신고된 내 보증금에. 방장: 도착 뒤 받았다고 하지 않은 멤버"
            "(target_user_id 필수)에."
        ),
    )
    def post(self, request, pk: int):
        data = validated(SettlementDisputeInput, request.data)
        return _settle(
            request,
            pk,
            settlement_services.groupbuy_dispute,
            target_user_id=data.get("target_user_id"),
        )


class SettlementSentView(APIView):
    throttle_scope = SETTLEMENT_THROTTLE

    @_settlement_schema("송금했어요 (직접 정산, 멤버)")
    def post(self, request, pk: int):
        return _settle(request, pk, settlement_services.settlement_sent)


class SettlementPaidView(APIView):
    throttle_scope = SETTLEMENT_THROTTLE

    @_settlement_schema("입금 확인 / 확인 취소 (직접 정산, 방장)", request=SettlementPaidInput)
    def post(self, request, pk: int):
        data = validated(SettlementPaidInput, request.data)
        return _settle(
            request,
            pk,
            settlement_services.settlement_paid,
            target_user_id=data["target_user_id"],
            paid=data["paid"],
        )


class SettlementRemindView(APIView):
    throttle_scope = SETTLEMENT_THROTTLE

    @_settlement_schema(
        "안 낸 멤버에게 알림 (직접 정산, 방장)",
        description="멤버마다 한 시간에 한 번까지. reminded: 이번에 알림을 받은 멤버 수.",
        out=SettlementRemindOut,
    )
    def post(self, request, pk: int):
        with _members_only(user=request.user, group_order_id=pk):
            reminded = settlement_services.settlement_remind(group_order_id=pk, user=request.user)
        return _settlement_response(request, pk, reminded=reminded)


class SettlementReceiptView(APIView):
    throttle_scope = SETTLEMENT_THROTTLE

    @_settlement_schema(
        "영수증 사진 올리기 (방장, 주문 뒤)",
        request={"multipart/form-data": SettlementReceiptInput},
        description="사진은 확인한 뒤 다시 인코딩해서 저장해요 (메타데이터 제거, 1600px 이하).",
    )
    def post(self, request, pk: int):
        data = validated(SettlementReceiptInput, request.data)
        return _settle(request, pk, settlement_services.receipt_upload, upload=data["receipt"])


class SettlementPrefsView(APIView):
    throttle_scope = SETTLEMENT_THROTTLE

    @_settlement_schema(
        "내 결제 설정: 한도, 포인트 먼저 쓰기 (멤버, 주문 전까지)",
        request=SettlementPrefsInput,
        description="보낸 항목만 바뀌어요. 앱에서 결제면 맡겨 둔 돈을 새 설정으로 다시 맡겨요.",
    )
    def post(self, request, pk: int):
        data = validated(SettlementPrefsInput, request.data)
        given = {name: value for name, value in data.items() if name in request.data}
        return _settle(request, pk, services.member_prefs_set, **given)
