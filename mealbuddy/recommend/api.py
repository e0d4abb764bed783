"""Native REST API: recommendations and weather (documented in /api/docs/)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.errors import ServiceUnavailable
from mealbuddy.recommend.selectors import recommendation_for_user
from mealbuddy.recommend.serializers import (
    PointIn,
    RecommendationIn,
    RecommendationOut,
    WeatherOut,
    recommendation_payload,
    weather_payload,
)
from mealbuddy.recommend.weather import UNAVAILABLE_MESSAGE, weather_at

WEATHER_UNAVAILABLE = f"{UNAVAILABLE_MESSAGE}. 잠시 후 다시 시도해 주세요."


def weather_or_503(*, lat: float, lon: float):
    weather = weather_at(lat=lat, lon=lon)
    if weather is None:
        raise ServiceUnavailable(WEATHER_UNAVAILABLE)
    return weather


class RecommendationsView(APIView):
    @extend_schema(
        summary="뭐 먹지? — 메뉴 5개 추천",
        description=(
            "날씨, 시간대, 요일, 계절, 내 공동주문 기록, 근처 모집 중인 공동주문, 프로필과 "
            "자유 입력(`wish`, 예: '국물 있는 매운 거', '안 매운 걸로', '2만원 이하')으로 메뉴 "
            "5개와 이유를 돌려줘요. 같은 입력과 `seed`면 같은 결과, 다른 `seed`면 다른 "
            "추천('다시 추천'). 날씨를 못 가져와도 추천은 나와요(`weather`: null)."
        ),
        parameters=[RecommendationIn],
        responses={200: RecommendationOut},
        tags=["recommend"],
    )
    def get(self, request):
        params = RecommendationIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        recommendation = recommendation_for_user(
            user=request.user,
            wish=data.get("wish", ""),
            seed=data.get("seed"),
            lat=data.get("lat"),
            lon=data.get("lon"),
        )
        return Response(recommendation_payload(recommendation))


class WeatherView(APIView):
    @extend_schema(
        summary="현재 날씨",
        description="기상청 단기예보 또는 Open-Meteo. 격자·시간 단위로 캐시돼요. "
        "어느 제공자도 응답하지 않으면 503.",
        parameters=[
            OpenApiParameter("lat", float, required=True, description="위도"),
            OpenApiParameter("lon", float, required=True, description="경도"),
        ],
        responses={200: WeatherOut},
        tags=["recommend"],
    )
    def get(self, request):
        params = PointIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        weather = weather_or_503(**params.validated_data)
        return Response(weather_payload(weather))
