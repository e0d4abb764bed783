from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.api import error_answer
from mealbuddy.core.input import MAX_BIGINT
from mealbuddy.notifications import selectors, services
from mealbuddy.notifications.models import PUSH_ENDPOINT_MAX_LENGTH, Notification, PushKind
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

NOTIFICATION_ERROR = error_answer("입력 값이 올바르지 않음")


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


# --- Web Push ----------------------------------------------------------------------------------

PUSH_TAGS = ["푸시 알림"]


class PushKeyApi(APIView):
    """GET /api/push/key/ — the VAPID public key the page subscribes with."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=PUSH_TAGS,
        summary="푸시 구독에 쓰는 VAPID 공개 키",
        request=None,
        responses={
            200: inline_serializer(
                "PushKey",
                {
                    "public_key": serializers.CharField(
                        help_text="applicationServerKey (base64url, 65바이트 P-256 점)"
                    )
                },
            )
        },
    )
    def get(self, request):
        return Response({"public_key": settings.VAPID_PUBLIC_KEY})


@extend_schema_serializer(component_name="PushSubscriptionKeys")
class PushKeysInput(serializers.Serializer):
    p256dh = serializers.CharField(max_length=100)
    auth = serializers.CharField(max_length=32)


@extend_schema_serializer(component_name="PushSubscriptionInput")
class PushSubscribeInput(serializers.Serializer):
    """What ``PushSubscription.toJSON()`` gives in the browser (expirationTime ignored)."""

    endpoint = serializers.CharField(max_length=PUSH_ENDPOINT_MAX_LENGTH)
    keys = PushKeysInput()


class PushSubscriptionsApi(APIView):
    """POST /api/push/subscriptions/ — subscribe this browser to the user's pushes."""

    @extend_schema(
        tags=PUSH_TAGS,
        summary="이 브라우저에서 푸시 알림 받기 (PushSubscription.toJSON())",
        request=PushSubscribeInput,
        responses={
            201: inline_serializer(
                "PushSubscriptionOut",
                {"id": serializers.IntegerField(), "endpoint": serializers.CharField()},
            ),
            400: NOTIFICATION_ERROR,
        },
    )
    def post(self, request):
        data = PushSubscribeInput(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.push_subscription_save(
            user=request.user,
            endpoint=data.validated_data["endpoint"],
            p256dh=data.validated_data["keys"]["p256dh"],
            auth=data.validated_data["keys"]["auth"],
        )
        return Response({"id": subscription.pk, "endpoint": subscription.endpoint}, status=201)


@extend_schema_serializer(component_name="PushUnsubscribeInput")
class PushUnsubscribeInput(serializers.Serializer):
    endpoint = serializers.CharField(max_length=PUSH_ENDPOINT_MAX_LENGTH)


class PushUnsubscribeApi(APIView):
    """POST /api/push/unsubscribe/ ``{endpoint}`` — stop pushes to this browser.

    The endpoint travels in the body, not the URL: it is a capability that logs must not keep.
    """

    @extend_schema(
        tags=PUSH_TAGS,
        summary="이 브라우저의 푸시 알림 끄기",
        request=PushUnsubscribeInput,
        responses={204: None, 400: NOTIFICATION_ERROR},
    )
    def post(self, request):
        data = PushUnsubscribeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.push_subscription_delete(
            user=request.user, endpoint=data.validated_data["endpoint"]
        )
        return Response(status=204)


PUSH_PREFERENCES = inline_serializer(
    "PushPreferences",
    {
        "kinds": serializers.ListField(
            child=inline_serializer(
                "PushKindState",
                {
                    "kind": serializers.ChoiceField(choices=PushKind.choices),
                    "label": serializers.CharField(),
                    "on": serializers.BooleanField(),
                },
            )
        ),
        "subscriptions": serializers.IntegerField(help_text="푸시를 받는 브라우저 수"),
    },
)


@extend_schema_serializer(component_name="PushPreferencesInput")
class PushPreferencesInput(serializers.Serializer):
    off = serializers.ListField(
        child=serializers.ChoiceField(choices=PushKind.choices),
        allow_empty=True,
        help_text="끌 알림 종류 (나머지는 켜짐)",
    )


class PushPreferencesApi(APIView):
    """GET/PUT /api/push/preferences/ — which kinds of pushes the user receives."""

    @extend_schema(
        tags=PUSH_TAGS, summary="종류별 푸시 알림 설정", request=None, responses=PUSH_PREFERENCES
    )
    def get(self, request):
        return Response(selectors.push_preferences(user=request.user))

    @extend_schema(
        tags=PUSH_TAGS,
        summary="종류별 푸시 알림 끄기/켜기 (off에 없는 종류는 켜짐)",
        request=PushPreferencesInput,
        responses={200: PUSH_PREFERENCES, 400: NOTIFICATION_ERROR},
    )
    def put(self, request):
        data = PushPreferencesInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.push_opt_outs_set(user=request.user, off=data.validated_data["off"])
        return Response(selectors.push_preferences(user=request.user))
