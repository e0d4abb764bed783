from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.input import MAX_BIGINT
from mealbuddy.notifications import selectors, services
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notification_payload

TAGS = ["알림"]

NOTIFICATION = inline_serializer(
    "NotificationItem",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=Notification.Kind.choices),
        "text": serializers.CharField(),
        "url": serializers.CharField(help_text="눌렀을 때 갈 주소 (없으면 빈 문자열)"),
        "group_order_id": serializers.IntegerField(allow_null=True),
        "created_at": serializers.DateTimeField(),
        "read": serializers.BooleanField(),
    },
)

NOTIFICATION_ERROR = OpenApiResponse(
    inline_serializer(
        "NotificationError",
        {
            "errors": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()),
                help_text="필드 이름 → 메시지 목록",
            )
        },
    ),
    description="입력 값이 올바르지 않음",
)


class ListQuery(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)


class NotificationListApi(APIView):
    """GET /api/notifications/?before=<id> — newest first, 30 per page, with the unread count."""

    @extend_schema(
        tags=TAGS,
        summary="내 알림 목록 (최신순, 30개씩, 안 읽은 수 포함)",
        request=None,
        parameters=[
            OpenApiParameter(
                "before", OpenApiTypes.INT, description="이 알림 id보다 오래된 것만 (다음 페이지)"
            )
        ],
        responses={
            200: inline_serializer(
                "NotificationList",
                {
                    "notifications": NOTIFICATION.__class__(many=True),
                    "unread": serializers.IntegerField(help_text="안 읽은 알림 수"),
                    "has_more": serializers.BooleanField(),
                },
            ),
            400: NOTIFICATION_ERROR,
        },
    )
    def get(self, request):
        query = ListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows, has_more = selectors.notification_list(
            user=request.user, before=query.validated_data.get("before")
        )
        return Response(
            {
                "notifications": [notification_payload(n) for n in rows],
                "unread": selectors.notification_unread_count(user=request.user),
                "has_more": has_more,
            }
        )


@extend_schema_serializer(component_name="NotificationReadInput")
class ReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_BIGINT), required=False
    )


class NotificationReadApi(APIView):
    """POST /api/notifications/read/ ``{ids?}`` — mark those (default: all) read."""

    @extend_schema(
        tags=TAGS,
        summary="알림 읽음 표시 (ids, 없으면 전부)",
        request=ReadInput,
        responses={
            200: inline_serializer(
                "NotificationReadOut",
                {"unread": serializers.IntegerField(help_text="남은 안 읽은 알림 수")},
            ),
            400: NOTIFICATION_ERROR,
        },
    )
    def post(self, request):
        data = ReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"unread": selectors.notification_unread_count(user=request.user)})
