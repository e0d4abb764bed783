"""REST for recurring orders: ``/api/series/`` (mine; create), ``/api/series/<id>/`` (read;
host: update), ``…/pause/``, ``…/resume/``, ``…/end/`` (host), ``…/subscription/`` (PUT
subscribe, DELETE unsubscribe) and ``…/skip/`` (POST skip the next occurrence, DELETE undo).

Thin views: a small serializer parses types, one service checks the rules and writes, the
answer is the selector's panel for the viewer. Someone else's series answers 404 to the
host-only operations, like a missing one.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.api import error_answer, validated
from mealbuddy.series import selectors, services
from mealbuddy.series.models import MAX_INTERVAL_DAYS, MAX_OPEN_BEFORE, Series
from mealbuddy.series.schedule import weekdays_list
from mealbuddy.series.selectors import SeriesPanel

TAGS = ["정기 모집"]
MAX_BIGINT = 2**63 - 1

SERIES_ERROR = error_answer(
    "입력 값이 올바르지 않음 (400), 할 수 없음 (403/409), 없거나 볼 수 없음 (404)"
)


class SeriesInput(serializers.Serializer):
    group_order_id = serializers.IntegerField(
        required=False,
        max_value=MAX_BIGINT,
        help_text="만들 때만: 이 내 주문을 첫 모집으로 삼고 가게·배달비·인원 등을 그대로 가져와요",
    )
    # The order template (groupbuys' own validation)
    title = serializers.CharField(allow_blank=True, required=False, max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    category = serializers.CharField(required=False)
    restaurant = serializers.CharField(allow_blank=True, required=False, max_length=200)
    min_order_amount = serializers.IntegerField(required=False, max_value=MAX_BIGINT)
    delivery_fee = serializers.IntegerField(required=False, max_value=MAX_BIGINT)
    target_count = serializers.IntegerField(required=False, max_value=MAX_BIGINT)
    pickup_spot = serializers.CharField(allow_blank=True, required=False, max_length=300)
    fee_split = serializers.CharField(required=False)
    payment = serializers.CharField(required=False, help_text="direct | prepaid")
    noshow_deposit = serializers.IntegerField(required=False, max_value=MAX_BIGINT)
    settle_account = serializers.CharField(allow_blank=True, required=False, max_length=200)
    verified_only = serializers.BooleanField(required=False)
    # The schedule (KST)
    kind = serializers.CharField(required=False, help_text="weekly (매주, 기본) | days (며칠마다)")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(max_value=MAX_BIGINT),
        required=False,
        help_text="weekly: 요일 번호 목록, 0=월 … 6=일",
    )
    interval_days = serializers.IntegerField(
        required=False, max_value=MAX_BIGINT, help_text=f"days: 1~{MAX_INTERVAL_DAYS}일마다"
    )
    start_date = serializers.DateField(
        required=False, help_text="days: 이 날부터 간격을 셈 (기본 오늘, 한국 날짜)"
    )
    deadline_time = serializers.TimeField(required=False, help_text="마감 시각 HH:MM (한국 시각)")
    open_before = serializers.IntegerField(
        required=False,
        max_value=MAX_BIGINT,
        help_text=f"마감 몇 분 전에 모집글을 열지 (30~{MAX_OPEN_BEFORE}, 기본 180)",
    )


class SeriesOutput(serializers.Serializer):
    id = serializers.IntegerField()
    host_id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    restaurant = serializers.CharField()
    min_order_amount = serializers.IntegerField()
    delivery_fee = serializers.IntegerField()
    target_count = serializers.IntegerField()
    pickup_spot = serializers.CharField()
    fee_split = serializers.CharField()
    payment = serializers.CharField()
    noshow_deposit = serializers.IntegerField()
    verified_only = serializers.BooleanField()
    kind = serializers.CharField()
    weekdays = serializers.ListField(child=serializers.IntegerField(), help_text="0=월 … 6=일")
    interval_days = serializers.IntegerField()
    start_date = serializers.DateField()
    deadline_time = serializers.TimeField(format="%H:%M")
    open_before = serializers.IntegerField()
    schedule = serializers.CharField(help_text='사람이 읽는 일정, 예: "매주 금 19:00 마감"')
    state = serializers.ChoiceField(choices=Series.State.choices)
    next_deadline = serializers.DateTimeField(allow_null=True)
    next_opens_at = serializers.DateTimeField(allow_null=True)
    is_host = serializers.BooleanField()
    subscribed = serializers.BooleanField()
    skipped_next = serializers.BooleanField()
    subscribers = serializers.IntegerField()
    latest_order_id = serializers.IntegerField(allow_null=True)


def series_payload(panel: SeriesPanel) -> dict:
    s = panel.series
    data = {
        name: getattr(s, name)
        for name in (
            "id",
            "host_id",
            "title",
            "description",
            "category",
            "restaurant",
            "min_order_amount",
            "delivery_fee",
            "target_count",
            "pickup_spot",
            "fee_split",
            "payment",
            "noshow_deposit",
            "verified_only",
            "kind",
            "interval_days",
            "start_date",
            "deadline_time",
            "open_before",
            "state",
        )
    }
    data.update(
        weekdays=weekdays_list(s.weekdays),
        schedule=panel.schedule,
        next_deadline=panel.next_deadline,
        next_opens_at=s.next_open_at if panel.next_deadline else None,
        is_host=panel.is_host,
        subscribed=panel.subscribed,
        skipped_next=panel.skipped_next,
        subscribers=panel.subscribers,
        latest_order_id=panel.latest_order_id,
    )
    return SeriesOutput(data).data


def _answer(request, series_id: int, code: int = status.HTTP_200_OK) -> Response:
    panel = selectors.series_detail(user=request.user, series_id=series_id)
    return Response(series_payload(panel), status=code)


class SeriesListApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="내 정기 모집 (여는 것, 매주 참여하는 것)",
        operation_id="series_list",
        request=None,
        responses={
            200: inline_serializer(
                "SeriesMine",
                {"hosting": SeriesOutput(many=True), "subscribed": SeriesOutput(many=True)},
            )
        },
    )
    def get(self, request):
        hosting, subscribed = selectors.series_mine(user=request.user)
        return Response(
            {
                "hosting": [series_payload(p) for p in hosting],
                "subscribed": [series_payload(p) for p in subscribed],
            }
        )

    @extend_schema(
        tags=TAGS,
        summary="정기 모집 만들기",
        operation_id="series_create",
        description=(
            "같은 가게·카테고리·배달비·최소주문금액·모집 인원·수령 장소·결제 방식으로, 매주 "
            "정한 요일(weekly) 또는 며칠마다(days) 정한 시각(한국 시각)에 마감하는 모집글이 "
            "마감 open_before분 전에 저절로 열려요. group_order_id를 주면 그 주문을 첫 "
            "모집으로 삼아요. 매주 참여하는 이웃은 열릴 때 자동으로 참여해요."
        ),
        request=SeriesInput,
        responses={201: SeriesOutput, 400: SERIES_ERROR, 403: SERIES_ERROR, 404: SERIES_ERROR},
    )
    def post(self, request):
        fields = validated(SeriesInput, request.data)
        group_order_id = fields.pop("group_order_id", None)
        series = services.series_create(host=request.user, group_order_id=group_order_id, **fields)
        return _answer(request, series.pk, status.HTTP_201_CREATED)


class SeriesDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="정기 모집 하나",
        operation_id="series_retrieve",
        request=None,
        responses={200: SeriesOutput, 404: SERIES_ERROR},
    )
    def get(self, request, pk: int):
        return _answer(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="정기 모집 고치기 (방장, 보낸 필드만; 다음 모집부터)",
        operation_id="series_partial_update",
        request=SeriesInput,
        responses={200: SeriesOutput, 400: SERIES_ERROR, 404: SERIES_ERROR, 409: SERIES_ERROR},
    )
    def patch(self, request, pk: int):
        fields = validated(SeriesInput, request.data, partial=True)
        if "group_order_id" in fields:
            return Response(
                {"errors": {"group_order_id": ["만들 때만 정할 수 있어요."]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        services.series_update(user=request.user, series_id=pk, **fields)
        return _answer(request, pk)


def _state_view(action, summary: str, operation_id: str):
    class StateApi(APIView):
        @extend_schema(
            tags=TAGS,
            summary=summary,
            operation_id=operation_id,
            request=None,
            responses={200: SeriesOutput, 404: SERIES_ERROR, 409: SERIES_ERROR},
        )
        def post(self, request, pk: int):
            action(user=request.user, series_id=pk)
            return _answer(request, pk)

    StateApi.__name__ = StateApi.__qualname__ = f"Series{operation_id.title()}Api"
    return StateApi


SeriesPauseApi = _state_view(services.series_pause, "일시정지 (방장)", "series_pause")
SeriesResumeApi = _state_view(services.series_resume, "다시 시작 (방장)", "series_resume")
SeriesEndApi = _state_view(services.series_end, "끝내기 (방장, 되돌릴 수 없음)", "series_end")


class SubscriptionInput(serializers.Serializer):
    spending_cap = serializers.IntegerField(
        required=False,
        allow_null=True,
        max_value=MAX_BIGINT,
        help_text="내 한도 (원): 부담액이 넘으면 참여하지 않고 알림. null이면 한도 없음",
    )
    use_points = serializers.BooleanField(
        required=False, default=False, help_text="앱에서 결제: 포인트 먼저 쓰기"
    )


class SubscriptionApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="매주 참여 (다시 보내면 설정만 바뀜)",
        operation_id="series_subscribe",
        description=(
            "모집이 열릴 때마다 참여하기와 같은 규칙으로 자동 참여해요 (차단, 강퇴, 동네인증, "
            "인원, 앱 결제의 잔액과 내 한도). 참여하지 못하면 이유를 알림으로 보내고 다음 "
            "모집에 다시 시도해요."
        ),
        request=SubscriptionInput,
        responses={200: SeriesOutput, 400: SERIES_ERROR, 403: SERIES_ERROR, 404: SERIES_ERROR},
    )
    def put(self, request, pk: int):
        serializer = SubscriptionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.subscription_create(user=request.user, series_id=pk, **serializer.validated_data)
        return _answer(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="매주 참여 그만하기",
        operation_id="series_unsubscribe",
        request=None,
        responses={200: SeriesOutput, 404: SERIES_ERROR},
    )
    def delete(self, request, pk: int):
        services.subscription_delete(user=request.user, series_id=pk)
        return _answer(request, pk)


class SkipApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="다음 모집 한 번 건너뛰기 (열리기 전; 열린 뒤엔 나가기)",
        operation_id="series_skip",
        request=None,
        responses={200: SeriesOutput, 400: SERIES_ERROR, 404: SERIES_ERROR},
    )
    def post(self, request, pk: int):
        services.skip_set(user=request.user, series_id=pk, skip=True)
        return _answer(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="건너뛰기 취소",
        operation_id="series_unskip",
        request=None,
        responses={200: SeriesOutput, 400: SERIES_ERROR, 404: SERIES_ERROR},
    )
    def delete(self, request, pk: int):
        services.skip_set(user=request.user, series_id=pk, skip=False)
        return _answer(request, pk)
