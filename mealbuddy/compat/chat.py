"""The original client's ``/api/chat/<room>/...`` endpoints (API_CONTRACT.md, "Chat rooms").

Thin views over the group-order services (join, leave, ban, delete) and the chat selectors.
``<room>`` is the chat room id (the post's ``chat_id``). A refused join answers 400 with a
bare JSON string: the client shows the body in ``alert()``.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.accounts.models import User
from mealbuddy.chat import selectors
from mealbuddy.chat.models import ChatRoom
from mealbuddy.chat.schema import CHAT_MESSAGE, CHAT_PERSON, chat_error
from mealbuddy.chat.serializers import person_payload
from mealbuddy.chat.services import room_mark_read_upto
from mealbuddy.core.errors import ApplicationError, NotFound
from mealbuddy.core.input import MAX_BIGINT
from mealbuddy.groupbuys.models import GroupOrder

TAGS = ["원본 클라이언트: 채팅방"]
ROOM_GONE = "삭제됐거나 없는 채팅방이에요."


def _gone_as_400(call, **kwargs):
    """Under /api/chat/ a room that vanished meanwhile is a 400 (the contract), not a 404."""
    try:
        return call(**kwargs)
    except NotFound:
        raise ApplicationError(ROOM_GONE, code="room_not_found") from None


def _room_or_400(room_id: int) -> ChatRoom:
    """The room with its order and host (the join, leave, ban and delete paths)."""
    room = (
        ChatRoom.objects.select_related("group_order", "group_order__host")
        .filter(pk=room_id)
        .first()
    )
    if room is None:
        raise ApplicationError(ROOM_GONE, code="room_not_found")
    return room


def _partial(model, values: dict):
    """An instance of ``model`` with ``values`` (by attname) set; any other field loads on
    access, like a deferred one."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db("default", names, [values[name] for name in names])


def _header_room(header: dict) -> ChatRoom:
    """A ChatRoom, with its order and host, from ``selectors.room_header``'s row."""
    host = _partial(User, header["host"])
    order = _partial(
        GroupOrder,
        {
            "id": header["group_order_id"],
            "host_id": host.pk,
            "title": header["title"],
            "target_count": header["target_count"],
            "member_count": header["member_count"],
        },
    )
    order.host = host
    room = _partial(ChatRoom, {"id": header["id"], "group_order_id": order.pk})
    room.group_order = order
    room.last_read = header["last_read"]
    return room


def room_state(room: ChatRoom, *, user) -> dict:
    """Room state: the latest 100 messages oldest first, in a fixed number of queries.
    Showing them marks the room read for ``user``."""
    messages = selectors.recent_message_payloads(
        room_id=room.pk, limit=selectors.ROOM_RECENT_MESSAGES, viewer_id=user.pk
    )
    last_read = getattr(room, "last_read", None)
    if messages and (last_read is None or last_read < messages[-1]["id"]):
        room_mark_read_upto(room_id=room.pk, user=user, message_id=messages[-1]["id"])
    order = room.group_order
    return {
        "messages": messages,
        "title": order.title,
        "target_number": order.target_count,
        "join_number": order.member_count,
        "writer": person_payload(order.host, viewer_id=user.pk),
    }


def _member_room(room_id: int, user) -> ChatRoom:
    """The room, if ``user`` is a current member (one plain query, with their read mark)."""
    header = selectors.room_header(room_id=room_id, viewer_id=user.pk)
    if header is None:
        raise ApplicationError(ROOM_GONE, code="room_not_found")
    if not header["is_member"]:
        raise ApplicationError(
            "이 채팅방의 참여자만 볼 수 있어요.", code="not_member", status_code=403
        )
    return _header_room(header)


ROOM_STATE = inline_serializer(
    "CompatChatRoom",
    {
        "messages": CHAT_MESSAGE.__class__(many=True, help_text="최근 100개, 오래된 순"),
        "title": serializers.CharField(),
        "target_number": serializers.IntegerField(),
        "join_number": serializers.IntegerField(),
        "writer": CHAT_PERSON,
    },
)
ROOM_GONE_400 = chat_error("삭제됐거나 없는 채팅방 (code `room_not_found`)")
NOT_HOST_403 = chat_error("방장이 아님 (code `not_host`)")
ACCEPTED = OpenApiResponse(description="처리됨 (본문 없음)")


class ChatRoomView(APIView):
    throttle_scope = {"POST": "join"}

    def handle_exception(self, exc):
        # The client alert()s the body of a refused join: a bare string, throttled or not.
        response = super().handle_exception(exc)
        if isinstance(exc, exceptions.Throttled):
            response.data = response.data["errors"]["error"][0]
        return response

    @extend_schema(
        tags=TAGS,
        summary="채팅방 상태 (최근 메시지 100개)",
        description="보여 준 메시지까지 읽음으로 표시해요.",
        request=None,
        responses={
            200: ROOM_STATE,
            400: ROOM_GONE_400,
            403: chat_error("채팅방 참여자가 아님 (code `not_member`)"),
        },
    )
    def get(self, request, room_id: int):
        room = _member_room(room_id, request.user)
        return Response(room_state(room, user=request.user))

    @extend_schema(
        tags=TAGS,
        summary="채팅방 참여 (모집글 참여)",
        request=None,
        responses={
            200: ROOM_STATE,
            400: OpenApiResponse(
                OpenApiTypes.STR,
                description="참여 거절: 본문은 메시지 문자열 하나 (JSON 문자열; 클라이언트가 "
                "alert()로 보여 줌). 마감·인원 초과·강퇴·다른 동네·없는 방 모두 400",
            ),
        },
    )
    def post(self, request, room_id: int):
        from mealbuddy.groupbuys.services import groupbuy_join

        try:
            room = _room_or_400(room_id)
            groupbuy_join(group_order_id=room.group_order_id, user=request.user)
        except ApplicationError as exc:
            # The client shows the body in alert(): a bare string, always 400.
            return Response(exc.message, status=status.HTTP_400_BAD_REQUEST)
        room.group_order.refresh_from_db(fields=["member_count", "status", "closed_reason"])
        return Response(room_state(room, user=request.user))

    @extend_schema(
        tags=TAGS,
        summary="채팅방 삭제 (방장만; 접속자는 4040으로 끊김)",
        request=None,
        responses={202: ACCEPTED, 400: ROOM_GONE_400, 403: NOT_HOST_403},
    )
    def delete(self, request, room_id: int):
        from mealbuddy.groupbuys.services import groupbuy_delete

        room = _room_or_400(room_id)
        _gone_as_400(groupbuy_delete, group_order_id=room.group_order_id, user=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


class ChatMembersView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="현재 참여자 목록",
        request=None,
        responses={
            200: inline_serializer("CompatChatMember", {"user": CHAT_PERSON}, many=True),
            400: ROOM_GONE_400,
            403: chat_error("채팅방 참여자가 아님 (code `not_member`)"),
        },
    )
    def get(self, request, room_id: int):
        room = _member_room(room_id, request.user)
        return Response(
            [
                {"user": person_payload(u, viewer_id=request.user.pk)}
                for u in selectors.room_members(room=room)
            ]
        )

    @extend_schema(
        tags=TAGS,
        summary="채팅방 나가기 (방장은 못 나감)",
        request=None,
        responses={
            202: ACCEPTED,
            400: chat_error(
                "없는 방, 참여자가 아님(`not_member`), 방장(`host_cannot_leave`), "
                "주문 진행 중(`not_editable`)"
            ),
        },
    )
    def delete(self, request, room_id: int):
        from mealbuddy.groupbuys.services import groupbuy_leave

        room = _room_or_400(room_id)
        if not _gone_as_400(groupbuy_leave, group_order_id=room.group_order_id, user=request.user):
            raise ApplicationError("이 채팅방의 참여자가 아니에요.", code="not_member")
        return Response(status=status.HTTP_202_ACCEPTED)


@extend_schema_serializer(component_name="CompatChatBanInput")
class BanInput(serializers.Serializer):
    target_user_id = serializers.IntegerField(
        max_value=MAX_BIGINT,
        error_messages={
            "required": "내보낼 사용자를 골라 주세요.",
            "invalid": "내보낼 사용자 번호가 올바르지 않아요.",
        },
    )


class ChatBanView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="참여자 내보내기 (방장만; 다시 참여 불가)",
        request=BanInput,
        responses={
            202: ACCEPTED,
            400: chat_error(
                "없는 방, target_user_id 오류·자기 자신·참여자가 아님(`not_member`), "
                "주문 완료 뒤(`not_editable`)"
            ),
            403: NOT_HOST_403,
        },
    )
    def post(self, request, room_id: int):
        from mealbuddy.groupbuys.services import groupbuy_ban

        room = _room_or_400(room_id)
        data = BanInput(data=request.data)
        data.is_valid(raise_exception=True)
        _gone_as_400(
            groupbuy_ban,
            group_order_id=room.group_order_id,
            host=request.user,
            target_user_id=data.validated_data["target_user_id"],
        )
        return Response(status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("chat/<id:room_id>/", ChatRoomView.as_view(), name="compat-chat-room"),
    path("chat/<id:room_id>/user/", ChatMembersView.as_view(), name="compat-chat-members"),
    path("chat/<id:room_id>/user/ban/", ChatBanView.as_view(), name="compat-chat-ban"),
]
