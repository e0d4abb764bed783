"""Our own chat REST API (thin views: parse, call one service or selector, render)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.chat import selectors, services
from mealbuddy.chat.models import ChatRoom
from mealbuddy.chat.schema import (
    CHAT_MESSAGE,
    CHAT_PAGE_MESSAGE,
    chat_error,
    page_person_fields,
)
from mealbuddy.chat.serializers import message_payload, page_person_payload
from mealbuddy.core.input import MAX_BIGINT

TAGS = ["채팅"]
# The room's group order model, through the room's own relation (chat imports no group-order
# module: see mealbuddy/chat/__init__.py).
GroupOrder = ChatRoom._meta.get_field("group_order").related_model
NOT_MEMBER = chat_error("채팅방 참여자가 아님 (code `not_member`)")
NO_ROOM = chat_error("채팅방이 없음 (code `room_not_found`)")


def room_summary(room, *, viewer_id: int) -> dict:
    last = getattr(room, "last_message", None)
    common = {
        "id": room.pk,
        "unread": room.unread,
        "last_message": message_payload(last, viewer_id=viewer_id) if last else None,
        "last_activity_at": room.activity.isoformat(),
        "url": f"/chats/{room.pk}/",
    }
    if room.is_direct:
        partner = selectors.room_partner(room, viewer_id=viewer_id)
        return {
            **common,
            "kind": "share",
            "group_order_id": None,
            "post_id": room.post_id,
            "title": selectors.room_title(room),
            "status": None,
            "status_label": room.post.get_share_state_display(),
            "member_count": 2,
            "target_count": None,
            "partner": page_person_payload(partner, viewer_id=viewer_id),
        }
    order = room.group_order
    return {
        **common,
        "kind": "order",
        "post_id": None,
        "partner": None,
        "group_order_id": order.pk,
        "title": order.title,
        "status": order.current_status(),
        "status_label": order.status_label,
        "member_count": order.member_count,
        "target_count": order.target_count,
    }


CHAT_ROOM_SUMMARY = inline_serializer(
    "ChatRoomSummary",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.ChoiceField(
            choices=[("order", "공동주문 채팅방"), ("share", "나눔 1:1 채팅방")],
            help_text="order: 공동주문의 채팅방, share: 나눔 글 작성자와의 1:1 채팅방",
        ),
        "group_order_id": serializers.IntegerField(allow_null=True, help_text="share면 null"),
        "post_id": serializers.IntegerField(
            allow_null=True, help_text="나눔 글 id (share만; order면 null)"
        ),
        "title": serializers.CharField(help_text="주문 제목, 또는 나눔 글 제목"),
        "status": serializers.ChoiceField(
            choices=GroupOrder.Status.choices,
            allow_null=True,
            help_text="마감 시각이 지난 모집중 주문은 closed; share면 null",
        ),
        "status_label": serializers.CharField(
            help_text="화면에 보일 상태 (예: 모집마감; share면 나눔중·예약중·나눔완료)"
        ),
        "member_count": serializers.IntegerField(),
        "target_count": serializers.IntegerField(allow_null=True, help_text="share면 null"),
        "partner": inline_serializer(
            "ChatPartner", page_person_fields(), allow_null=True, help_text="share: 대화 상대"
        ),
        "unread": serializers.IntegerField(help_text="안 읽은 메시지 수"),
        "last_message": CHAT_MESSAGE.__class__(allow_null=True),
        "last_activity_at": serializers.DateTimeField(),
        "url": serializers.CharField(help_text="채팅방 페이지 주소"),
    },
)


class MyChatsApi(APIView):
    """GET /api/chats/ — the rooms I am in, latest activity first, with unread counts."""

    @extend_schema(
        tags=TAGS,
        summary="내 채팅방 목록 (최근 활동순, 안 읽은 수 포함)",
        request=None,
        responses={
            200: inline_serializer(
                "ChatRoomList",
                {
                    "rooms": CHAT_ROOM_SUMMARY.__class__(many=True),
                    "unread": serializers.IntegerField(help_text="모든 방의 안 읽은 메시지 합계"),
                },
            )
        },
    )
    def get(self, request):
        rooms = selectors.my_chat_rooms(user=request.user)
        return Response(
            {
                "rooms": [room_summary(r, viewer_id=request.user.pk) for r in rooms],
                "unread": sum(r.unread for r in rooms),
            }
        )


class HistoryQuery(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=selectors.HISTORY_MAX_PAGE, default=50
    )


class MessageHistoryApi(APIView):
    """GET /api/chats/<room>/messages/?before=<id>&limit=50 — history, newest page first;
    each page is oldest first, ``next_before`` fetches the page before it."""

    @extend_schema(
        tags=TAGS,
        summary="채팅 기록 (최신 페이지부터, 페이지 안은 오래된 순)",
        request=None,
        parameters=[
            OpenApiParameter(
                "before", OpenApiTypes.INT, description="이 메시지 id보다 오래된 것만"
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"페이지 크기 (1–{selectors.HISTORY_MAX_PAGE}, 기본 50)",
            ),
        ],
        responses={
            200: inline_serializer(
                "ChatMessagePage",
                {
                    "messages": CHAT_PAGE_MESSAGE.__class__(many=True),
                    "has_more": serializers.BooleanField(),
                    "next_before": serializers.IntegerField(
                        allow_null=True, help_text="이전 페이지를 받을 before 값 (없으면 null)"
                    ),
                },
            ),
            400: chat_error("before·limit 값이 올바르지 않음"),
            403: NOT_MEMBER,
            404: NO_ROOM,
        },
    )
    def get(self, request, room_id: int):
        query = HistoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        room = selectors.access_chat_room(user=request.user, id=room_id)
        rows, has_more = selectors.messages_before(
            room_id=room.pk,
            before=query.validated_data.get("before"),
            limit=query.validated_data["limit"],
            viewer_id=request.user.pk,
        )
        return Response(
            {
                "messages": [
                    message_payload(m, viewer_id=request.user.pk, avatars=True) for m in rows
                ],
                "has_more": has_more,
                "next_before": rows[0].pk if rows and has_more else None,
            }
        )


@extend_schema_serializer(component_name="ChatPostInput")
class PostInput(serializers.Serializer):
    # Types and lengths are checked by the service (one rule for REST and sockets).
    message = serializers.JSONField(help_text="보낼 메시지 (1–300자)")
    client_id = serializers.JSONField(
        required=False,
        help_text="보내는 쪽이 정한 메시지 id (64자 이하). 같은 id로 다시 보내면 새로 "
        "저장하지 않고 처음 저장된 메시지를 200으로 돌려줘요. `Idempotency-Key` "
        "헤더로 보내도 돼요.",
    )


class MessagePostApi(APIView):
    """POST /api/chats/<room>/messages/ ``{message, client_id?}`` — post a message.

    A client that got no answer (or an error) retries with the same ``client_id`` (or
    ``Idempotency-Key``) and gets the message saved the first time, never a twin.
    """

    @extend_schema(
        tags=TAGS,
        summary="메시지 보내기 (client_id로 재시도해도 한 번만 저장)",
        request=PostInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                required=False,
                description="client_id 대신 헤더로 (64자 이하)",
            )
        ],
        responses={
            201: inline_serializer("ChatPostOut", {"message": CHAT_PAGE_MESSAGE}),
            200: inline_serializer("ChatPostReplayed", {"message": CHAT_PAGE_MESSAGE}),
            400: chat_error("메시지가 비었거나 너무 김, client_id 형식 오류"),
            403: NOT_MEMBER,
            404: NO_ROOM,
            429: chat_error("너무 빨리 보냄 (code `rate_limited`, `Retry-After` 헤더)"),
        },
    )
    def post(self, request, room_id: int):
        data = PostInput(data=request.data)
        data.is_valid(raise_exception=True)
        client_id = data.validated_data.get("client_id") or request.headers.get("Idempotency-Key")
        room = selectors.access_chat_room(user=request.user, id=room_id)
        services.message_text_clean(data.validated_data["message"])
        services.client_id_clean(client_id)
        services.chat_flood_check(user_id=request.user.pk)
        message = services.message_post(
            room_id=room.pk,
            user=request.user,
            text=data.validated_data["message"],
            client_id=client_id,
        )
        replayed = getattr(message, "replayed", False)
        return Response(
            {"message": message_payload(message, viewer_id=request.user.pk, avatars=True)},
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        )


class TicketApi(APIView):
    """POST /api/chats/<room>/ticket/ — a single-use socket ticket valid 30 seconds."""

    @extend_schema(
        tags=TAGS,
        summary="채팅 소켓 접속 티켓 발급 (1회용, 30초)",
        request=None,
        responses={
            201: inline_serializer(
                "ChatTicket",
                {
                    "ticket": serializers.CharField(),
                    "expires_in": serializers.IntegerField(help_text="유효 시간(초)"),
                    "url": serializers.CharField(help_text="접속할 웹소켓 경로 (티켓 포함)"),
                },
            ),
            403: NOT_MEMBER,
            404: NO_ROOM,
        },
    )
    def post(self, request, room_id: int):
        room = selectors.access_chat_room(user=request.user, id=room_id)
        ticket = services.chat_ticket_issue(room=room, user=request.user)
        return Response(
            {
                "ticket": ticket,
                "expires_in": services.TICKET_TTL_SECONDS,
                "url": f"/ws/chat/{room.pk}/?ticket={ticket}",
            },
            status=status.HTTP_201_CREATED,
        )


@extend_schema_serializer(component_name="ChatReadInput")
class ReadInput(serializers.Serializer):
    message_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)


class MarkReadApi(APIView):
    """POST /api/chats/<room>/read/ ``{message_id?}`` — mark read up to it (default: all)."""

    @extend_schema(
        tags=TAGS,
        summary="읽음 표시 (message_id까지, 없으면 전부)",
        request=ReadInput,
        responses={
            200: inline_serializer(
                "ChatReadOut",
                {
                    "last_read_message_id": serializers.IntegerField(
                        help_text="읽음으로 표시된 마지막 메시지 id (메시지가 없으면 0)"
                    )
                },
            ),
            400: chat_error("message_id 값이 올바르지 않음"),
            403: NOT_MEMBER,
            404: NO_ROOM,
        },
    )
    def post(self, request, room_id: int):
        data = ReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        room = selectors.access_chat_room(user=request.user, id=room_id)
        upto = services.room_mark_read(
            room_id=room.pk, user=request.user, message_id=data.validated_data.get("message_id")
        )
        return Response({"last_read_message_id": upto})


class MembersApi(APIView):
    """GET /api/chats/<room>/members/ — current members, the host first."""

    @extend_schema(
        tags=TAGS,
        summary="채팅방 참여자 목록 (방장 먼저)",
        request=None,
        responses={
            200: inline_serializer(
                "ChatMemberList",
                {
                    "members": inline_serializer(
                        "ChatMember",
                        {**page_person_fields(), "is_host": serializers.BooleanField()},
                        many=True,
                    )
                },
            ),
            403: NOT_MEMBER,
            404: NO_ROOM,
        },
    )
    def get(self, request, room_id: int):
        room = selectors.access_chat_room(user=request.user, id=room_id)
        # In a 1:1 room the post's author stands where an order's host would.
        host_id = room.post_author_id if room.is_direct else room.group_order.host_id
        return Response(
            {
                "members": [
                    {
                        **page_person_payload(u, viewer_id=request.user.pk),
                        "is_host": u.pk == host_id,
                    }
                    for u in selectors.room_members(room=room)
                ]
            }
        )


class MessagesApi(MessagePostApi, MessageHistoryApi):
    """/api/chats/<room>/messages/: GET the history, POST a message."""
