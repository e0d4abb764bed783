"""Our own chat REST API (thin views: parse, call one service or selector, render)."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.chat import selectors, services
from mealbuddy.chat.serializers import message_payload, person_payload


def room_summary(room, *, viewer_id: int) -> dict:
    order = room.group_order
    last = getattr(room, "last_message", None)
    return {
        "id": room.pk,
        "group_order_id": order.pk,
        "title": order.title,
        "status": order.status,
        "member_count": order.member_count,
        "target_count": order.target_count,
        "unread": room.unread,
        "last_message": message_payload(last, viewer_id=viewer_id) if last else None,
        "last_activity_at": room.activity.isoformat(),
        "url": f"/chats/{room.pk}/",
    }


class MyChatsApi(APIView):
    """GET /api/chats/ — the rooms I am in, latest activity first, with unread counts."""

    def get(self, request):
        rooms = selectors.my_chat_rooms(user=request.user)
        return Response(
            {
                "rooms": [room_summary(r, viewer_id=request.user.pk) for r in rooms],
                "unread": sum(r.unread for r in rooms),
            }
        )


class HistoryQuery(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=selectors.HISTORY_MAX_PAGE, default=50
    )


class MessageHistoryApi(APIView):
    """GET /api/chats/<room>/messages/?before=<id>&limit=50 — history, newest page first;
    each page is oldest first, ``next_before`` fetches the page before it."""

    def get(self, request, room_id: int):
        query = HistoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        room = selectors.access_chat_room(user=request.user, id=room_id)
        rows, has_more = selectors.messages_before(
            room_id=room.pk,
            before=query.validated_data.get("before"),
            limit=query.validated_data["limit"],
        )
        return Response(
            {
                "messages": [message_payload(m, viewer_id=request.user.pk) for m in rows],
                "has_more": has_more,
                "next_before": rows[0].pk if rows and has_more else None,
            }
        )


class TicketApi(APIView):
    """POST /api/chats/<room>/ticket/ — a single-use socket ticket valid 30 seconds."""

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


class ReadInput(serializers.Serializer):
    message_id = serializers.IntegerField(required=False, min_value=1)


class MarkReadApi(APIView):
    """POST /api/chats/<room>/read/ ``{message_id?}`` — mark read up to it (default: all)."""

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

    def get(self, request, room_id: int):
        room = selectors.access_chat_room(user=request.user, id=room_id)
        host_id = room.group_order.host_id
        return Response(
            {
                "members": [
                    {**person_payload(u, viewer_id=request.user.pk), "is_host": u.pk == host_id}
                    for u in selectors.room_members(room=room)
                ]
            }
        )
