"""Native REST API for group orders (``/api/groupbuys/...``): parse, call one service, render."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.input import MAX_PAGE, query_int
from mealbuddy.groupbuys import selectors, services
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder
from mealbuddy.groupbuys.serializers import (
    GroupOrderBanInput,
    GroupOrderCreateInput,
    GroupOrderDetailOut,
    GroupOrderInput,
    GroupOrderPageOut,
    GroupOrderStatusInput,
    OrderItemInput,
    OrderItemOut,
    OrderItemUpdateInput,
    fees_payload,
    group_order_payload,
    item_payload,
)

TAGS = ["공동주문"]
PAGE_SIZE = 20


def _parse(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


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
    group_order = access_group_order(user=request.user, id=pk)
    return Response(detail_payload(group_order, viewer=request.user), status=status_code)


class GroupOrderListView(APIView):
    throttle_scope = "post"

    @extend_schema(
        tags=TAGS,
        summary="동네 공동주문 목록",
        operation_id="groupbuys_list",
        description="모집중 먼저, 그다음 나머지. 카드마다 지금 참여하면 낼 배달비가 들어 있습니다.",
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, enum=CATEGORIES),
            OpenApiParameter("status", OpenApiTypes.STR, enum=GroupOrder.Status.values),
            OpenApiParameter("q", OpenApiTypes.STR, description="제목·가게 이름 검색"),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.SORTS)),
            OpenApiParameter("neighbours", OpenApiTypes.BOOL, description="옆 동네 포함"),
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
        data = _parse(GroupOrderCreateInput, request.data)
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
        data = _parse(GroupOrderInput, request.data, partial=True)
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
            "이미 참여했다면 아무것도 바뀌지 않습니다. 거절 코드: full, closed, "
            "deadline_passed, banned, not_neighbour, no_region."
        ),
        request=None,
        responses={200: GroupOrderDetailOut},
    )
    def post(self, request, pk: int):
        services.groupbuy_join(group_order_id=pk, user=request.user)
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
        data = _parse(GroupOrderBanInput, request.data)
        services.groupbuy_ban(group_order_id=pk, host=request.user, target_user_id=data["user_id"])
        return _detail_response(request, pk)


class StatusView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="상태 바꾸기 (방장만)",
        description=(
            "recruiting→closed|cancelled, closed→recruiting|ordered|cancelled, "
            "ordered→delivered. 마감 시각이 지난 모집중 주문은 closed로 봅니다."
        ),
        request=GroupOrderStatusInput,
        responses={200: GroupOrderDetailOut},
    )
    def post(self, request, pk: int):
        data = _parse(GroupOrderStatusInput, request.data)
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
        data = _parse(OrderItemInput, request.data)
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
        data = _parse(OrderItemUpdateInput, request.data)
        item = services.item_update(item_id=item_id, user=request.user, **data)
        return Response(item_payload(item))

    @extend_schema(tags=TAGS, summary="내 메뉴 지우기", responses={204: None})
    def delete(self, request, item_id: int):
        services.item_delete(item_id=item_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
