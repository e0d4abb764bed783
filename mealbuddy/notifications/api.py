from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.notifications import selectors, services
from mealbuddy.notifications.services import notification_payload


class ListQuery(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1)


class NotificationListApi(APIView):
    """GET /api/notifications/?before=<id> — newest first, 30 per page, with the unread count."""

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


class ReadInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


class NotificationReadApi(APIView):
    """POST /api/notifications/read/ ``{ids?}`` — mark those (default: all) read."""

    def post(self, request):
        data = ReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"unread": selectors.notification_unread_count(user=request.user)})
