"""The original client's weather and menu recommendation endpoints (``/api/openAPI/...``)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.recommend.api import weather_or_503
from mealbuddy.recommend.selectors import recommendation_for_user, recommendation_text
from mealbuddy.recommend.serializers import (
    ContractWeatherOut,
    OptionalPointIn,
    PointIn,
    QuestionIn,
    TurnOut,
)
from mealbuddy.recommend.services import conversation_ask, conversation_reset

POINT_PARAMETERS = [
    OpenApiParameter("lat", float, description="위도"),
    OpenApiParameter("lon", float, description="경도"),
]


class WeatherView(APIView):
    @extend_schema(
        summary="현재 날씨 (원래 클라이언트)",
        parameters=[
            OpenApiParameter("lat", float, required=True, description="위도"),
            OpenApiParameter("lon", float, required=True, description="경도"),
        ],
        responses={200: ContractWeatherOut},
        tags=["compat"],
    )
    def get(self, request):
        params = PointIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(weather_or_503(**params.validated_data).as_contract())


class FoodChoicerView(APIView):
    @extend_schema(
        summary="메뉴 추천 문장 (원래 클라이언트)",
        description="추천 문장 하나를 JSON 문자열로 돌려줘요. 질문 횟수에 들어가지 않아요.",
        parameters=POINT_PARAMETERS,
        responses={200: OpenApiTypes.STR},
        tags=["compat"],
    )
    def get(self, request):
        params = OptionalPointIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        recommendation = recommendation_for_user(user=request.user, **params.validated_data)
        return Response(recommendation_text(recommendation))

    @extend_schema(
        summary="메뉴 추천 대화에 질문하기 (원래 클라이언트)",
        description="오늘의 대화 전체를 돌려줘요. 하루 10번까지(자정 KST에 초기화), 넘으면 429.",
        request=QuestionIn,
        responses={200: TurnOut(many=True)},
        tags=["compat"],
    )
    def post(self, request):
        params = QuestionIn(data=request.data)
        params.is_valid(raise_exception=True)
        conversation = conversation_ask(user=request.user, **params.validated_data)
        return Response(conversation)

    @extend_schema(
        summary="메뉴 추천 대화 초기화 (원래 클라이언트)",
        request=None,
        responses={200: TurnOut(many=True)},
        tags=["compat"],
    )
    def delete(self, request):
        conversation_reset(user=request.user)
        return Response([])


urlpatterns = [
    path("openAPI/weather/", WeatherView.as_view(), name="compat-weather"),
    path("openAPI/foodchoicer/", FoodChoicerView.as_view(), name="compat-foodchoicer"),
]
