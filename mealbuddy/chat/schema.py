"""OpenAPI components shared by the chat API (``/api/chats/``) and the original client's
``/api/chat/`` endpoints: the person ``P``, the message ``M`` and the error body."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from mealbuddy.chat.models import Message


def person_fields() -> dict:
    """The original client's person object ``P`` (email only for oneself, else "")."""
    return {
        "id": serializers.IntegerField(),
        "username": serializers.CharField(),
        "email": serializers.CharField(help_text="본인에게만 보이고, 다른 사람은 빈 문자열"),
    }


CHAT_PERSON = inline_serializer("ChatPerson", person_fields())

CHAT_MESSAGE = inline_serializer(
    "ChatMessage",
    {
        "id": serializers.IntegerField(),
        "message": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "chatroom": serializers.IntegerField(help_text="채팅방 id"),
        "user": inline_serializer(
            "ChatMessageUser",
            person_fields(),
            allow_null=True,
            help_text="보낸 사람; 시스템 메시지(입장·퇴장·강퇴·상태 변경)나 탈퇴한 사용자는 null",
        ),
        "kind": serializers.ChoiceField(choices=Message.Kind.choices),
        "hidden": serializers.BooleanField(
            required=False, help_text="운영정책에 따라 숨겨진 메시지면 true (message는 안내 문구)"
        ),
    },
)


def page_person_fields() -> dict:
    """``P`` plus the profile photo: our own chat API only (``/api/chats/``)."""
    return {
        **person_fields(),
        "avatar": serializers.CharField(
            allow_null=True, help_text="프로필 사진 주소; 사진이 없거나 탈퇴한 사용자는 null"
        ),
        "verified": serializers.BooleanField(help_text="동네인증한 이웃인지"),
        "manner_score": serializers.FloatField(
            allow_null=True, help_text="매너 점수; 탈퇴한 사용자는 null"
        ),
    }


CHAT_PAGE_MESSAGE = inline_serializer(
    "ChatMessageWithAvatar",
    {
        "id": serializers.IntegerField(),
        "message": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "chatroom": serializers.IntegerField(help_text="채팅방 id"),
        "user": inline_serializer(
            "ChatMessageAuthor",
            page_person_fields(),
            allow_null=True,
            help_text="보낸 사람; 시스템 메시지(입장·퇴장·강퇴·상태 변경)나 탈퇴한 사용자는 null",
        ),
        "kind": serializers.ChoiceField(choices=Message.Kind.choices),
        "hidden": serializers.BooleanField(
            required=False, help_text="운영정책에 따라 숨겨진 메시지면 true (message는 안내 문구)"
        ),
    },
)

CHAT_ERROR = inline_serializer(
    "ChatError",
    {
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text='필드 이름(또는 "error") → 메시지 목록',
        ),
        "code": serializers.CharField(required=False, help_text="오류 코드 (입력 오류에는 없음)"),
    },
)


def chat_error(description: str) -> OpenApiResponse:
    """An error answer: ``{"errors": {field: [message]}, "code": ...}``."""
    return OpenApiResponse(CHAT_ERROR, description=description)
