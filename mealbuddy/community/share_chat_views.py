"""The doors of the 나눔 1:1 chat: the post page's "채팅하기" form and
``POST /api/community/posts/<id>/chat/`` (thin: parse, call ``share_chat_open``, answer)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.chat.schema import chat_error
from mealbuddy.community.share_chat import share_chat_open
from mealbuddy.core.errors import ApplicationError


@login_required
@require_POST
def share_chat_start(request, pk: int):
    try:
        room, _ = share_chat_open(post_id=pk, user=request.user)
    except ApplicationError as exc:
        return render(
            request, "community/error.html", {"message": exc.message}, status=exc.status_code
        )
    return redirect("chat:room", room_id=room.pk)


SHARE_CHAT_ROOM = inline_serializer(
    "ShareChatRoom",
    {
        "room_id": serializers.IntegerField(help_text="채팅방 id (/api/chats/<room_id>/...)"),
        "created": serializers.BooleanField(help_text="이번에 새로 만든 방인지"),
        "url": serializers.CharField(help_text="채팅방 페이지 주소"),
    },
)


class ShareChatApi(APIView):
    throttle_scope = "community"

    @extend_schema(
        tags=["동네생활"],
        summary="나눔 글 작성자와 1:1 채팅 시작 (이미 있으면 그 방)",
        description=(
            "나눔 글에서 글쓴이와의 1:1 채팅방을 열어요. 같은 글에 다시 부르면 같은 방을 "
            "돌려줘요 (처음 만들면 201, 이미 있으면 200). 글쓴이 자신, 이용 정지된 계정, "
            "나눔완료된 글의 새 채팅은 거절돼요 (이미 연 방은 계속 쓸 수 있어요). 지워진 글, "
            "차단했거나 나를 차단한 사람의 글은 404."
        ),
        request=None,
        responses={
            201: SHARE_CHAT_ROOM,
            200: SHARE_CHAT_ROOM,
            400: chat_error("나눔 글이 아님(`wrong_topic`), 나눔완료(`share_done`)"),
            403: chat_error("내 글(`own_post`), 이용 정지(`account_restricted`), 차단(`blocked`)"),
            404: chat_error("글이 없거나 지워졌거나 차단 관계"),
        },
    )
    def post(self, request, post_id: int):
        room, created = share_chat_open(post_id=post_id, user=request.user)
        return Response(
            {"room_id": room.pk, "created": created, "url": f"/chats/{room.pk}/"},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


urlpatterns = [
    path("community/<id:pk>/chat/", share_chat_start, name="community-share-chat"),
    path(
        "api/community/posts/<id:post_id>/chat/",
        ShareChatApi.as_view(),
        name="community-share-chat-api",
    ),
]
