"""REST for saved alerts and the nudge switch: ``/api/alerts/``, ``/api/alerts/<id>/``,
``/api/alerts/preferences/``. Owner only: someone else's alert answers 404 like a missing one.

Thin views (STYLE.md): a small serializer parses types, one service checks the rules and
writes, the answer is rendered from the saved row.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.alerts import selectors, services
from mealbuddy.alerts.models import MAX_FEE_SHARE, MAX_KEYWORD_LENGTH, SavedAlert
from mealbuddy.core.api import error_answer, validated
from mealbuddy.groupbuys.models import CATEGORIES

TAGS = ["모집 알림"]

ALERT_ERROR = error_answer(
    "입력 값이 올바르지 않음 (400), 한도 초과 (409), 없거나 내 것이 아님 (404)"
)


class AlertInput(serializers.Serializer):
    category = serializers.ChoiceField(
        choices=[("", "모든 카테고리"), *[(c, c) for c in CATEGORIES]],
        required=False,
        allow_blank=True,
        help_text="비우면 모든 카테고리",
    )
    keyword = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_KEYWORD_LENGTH,
        trim_whitespace=True,
        help_text="가게 이름이나 제목에 들어갈 말 (비우면 상관없음)",
    )
    max_fee_share = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_FEE_SHARE,
        help_text="1인당 배달비 최대 (배달비 ÷ 모집 인원, 원). null이면 상관없음",
    )
    include_neighbours = serializers.BooleanField(
        required=False, help_text="맞닿은 이웃 동네의 모집도 알림"
    )
    quiet_start = serializers.TimeField(
        required=False, allow_null=True, help_text="방해 금지 시작 (한국 시각 HH:MM)"
    )
    quiet_end = serializers.TimeField(
        required=False,
        allow_null=True,
        help_text="방해 금지 끝 (HH:MM, 시작보다 이르면 자정을 넘김). 그 사이 열린 모집은 "
        "끝나는 시각에 아직 모집 중이면 그때 알림",
    )


class AlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    keyword = serializers.CharField()
    max_fee_share = serializers.IntegerField(allow_null=True)
    include_neighbours = serializers.BooleanField()
    quiet_start = serializers.TimeField(allow_null=True, format="%H:%M")
    quiet_end = serializers.TimeField(allow_null=True, format="%H:%M")
    summary = serializers.CharField(help_text="사람이 읽는 한 줄 요약")
    created_at = serializers.DateTimeField()


def alert_payload(alert: SavedAlert) -> dict:
    alert.summary = selectors.alert_summary(alert)
    return AlertOutput(alert).data


class AlertListApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="내 모집 알림 목록",
        operation_id="alerts_list",
        request=None,
        responses={200: inline_serializer("AlertList", {"results": AlertOutput(many=True)})},
    )
    def get(self, request):
        return Response(
            {"results": [alert_payload(a) for a in selectors.alert_list(user=request.user)]}
        )

    @extend_schema(
        tags=TAGS,
        summary="모집 알림 만들기",
        operation_id="alerts_create",
        description=(
            "조건(카테고리, 가게 이름·제목에 들어갈 말, 1인당 배달비 최대, 이웃 동네 포함, "
            "방해 금지 시간)에 맞는 새 모집이 내 동네에 열리면 앱 알림과 푸시로 알려요. "
            "모집 하나에 한 번, 하루 ALERTS_DAILY_CAP번까지. 한 사람 ALERTS_MAX_PER_USER개까지."
        ),
        request=AlertInput,
        responses={201: AlertOutput, 400: ALERT_ERROR, 409: ALERT_ERROR},
    )
    def post(self, request):
        alert = services.alert_create(user=request.user, **validated(AlertInput, request.data))
        return Response(alert_payload(alert), status=status.HTTP_201_CREATED)


class AlertDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="모집 알림 하나",
        operation_id="alerts_retrieve",
        request=None,
        responses={200: AlertOutput, 404: ALERT_ERROR},
    )
    def get(self, request, pk: int):
        return Response(alert_payload(selectors.access_alert(user=request.user, alert_id=pk)))

    @extend_schema(
        tags=TAGS,
        summary="모집 알림 고치기 (보낸 필드만)",
        operation_id="alerts_partial_update",
        request=AlertInput,
        responses={200: AlertOutput, 400: ALERT_ERROR, 404: ALERT_ERROR},
    )
    def patch(self, request, pk: int):
        fields = validated(AlertInput, request.data, partial=True)
        alert = services.alert_update(user=request.user, alert_id=pk, **fields)
        return Response(alert_payload(alert))

    @extend_schema(
        tags=TAGS,
        summary="모집 알림 지우기",
        operation_id="alerts_destroy",
        request=None,
        responses={204: None, 404: ALERT_ERROR},
    )
    def delete(self, request, pk: int):
        services.alert_delete(user=request.user, alert_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NudgePreferenceInput(serializers.Serializer):
    nudges = serializers.BooleanField(help_text="날씨 추천 받기")


class AlertPreferencesApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="날씨 추천 받기 설정",
        operation_id="alerts_preferences_retrieve",
        request=None,
        responses={200: NudgePreferenceInput},
    )
    def get(self, request):
        return Response({"nudges": selectors.nudges_enabled(user=request.user)})

    @extend_schema(
        tags=TAGS,
        summary="날씨 추천 켜기·끄기",
        operation_id="alerts_preferences_update",
        description="비·눈·더위·추위로 바뀐 날 최근에 시킨 메뉴에 맞는 모집을 하루 한 번 알려요.",
        request=NudgePreferenceInput,
        responses={200: NudgePreferenceInput, 400: ALERT_ERROR},
    )
    def put(self, request):
        serializer = NudgePreferenceInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        on = services.nudges_set(user=request.user, enabled=serializer.validated_data["nudges"])
        return Response({"nudges": on})
