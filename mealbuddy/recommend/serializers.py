"""Small input/output serializers shared by the native API and the original client's API."""

from __future__ import annotations

from urllib.parse import urlencode

from rest_framework import serializers

from mealbuddy.recommend.catalogue import Dish
from mealbuddy.recommend.engine import Pick, Recommendation
from mealbuddy.recommend.weather import LAT_RANGE, LON_RANGE, Weather, coordinates_valid
from mealbuddy.recommend.wish import MAX_WISH_LENGTH

OUT_OF_RANGE = "대한민국 안의 위치만 조회할 수 있어요."


def _coordinate(name: str, label: str, *, required: bool) -> serializers.FloatField:
    return serializers.FloatField(
        required=required,
        error_messages={
            "required": f"{label}({name})를 입력해 주세요.",
            "null": f"{label}({name})를 입력해 주세요.",
            "invalid": f"{label}({name})는 숫자여야 해요.",
        },
    )


class PointIn(serializers.Serializer):
    """``lat``/``lon`` query parameters, both required, inside Korea."""

    lat = _coordinate("lat", "위도", required=True)
    lon = _coordinate("lon", "경도", required=True)

    def validate(self, attrs):
        errors = {}
        lat, lon = attrs.get("lat"), attrs.get("lon")
        if lat is not None and not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
            errors["lat"] = [OUT_OF_RANGE]
        if lon is not None and not LON_RANGE[0] <= lon <= LON_RANGE[1]:
            errors["lon"] = [OUT_OF_RANGE]
        if errors or (lat is not None and lon is not None and not coordinates_valid(lat, lon)):
            raise serializers.ValidationError(errors or {"lat": [OUT_OF_RANGE]})
        return attrs


class OptionalPointIn(PointIn):
    """``lat``/``lon`` optional together (the user's neighbourhood otherwise)."""

    lat = _coordinate("lat", "위도", required=False)
    lon = _coordinate("lon", "경도", required=False)

    def validate(self, attrs):
        if ("lat" in attrs) != ("lon" in attrs):
            missing = "lon" if "lat" in attrs else "lat"
            label = "경도" if missing == "lon" else "위도"
            raise serializers.ValidationError({missing: [f"{label}({missing})를 입력해 주세요."]})
        return super().validate(attrs)


class RecommendationIn(OptionalPointIn):
    wish = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_WISH_LENGTH,
        error_messages={"max_length": f"{MAX_WISH_LENGTH}자까지 입력할 수 있어요."},
    )
    seed = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        error_messages={"invalid": "seed는 0 이상의 정수여야 해요."},
    )


class QuestionIn(OptionalPointIn):
    message = serializers.CharField(
        allow_blank=True,
        trim_whitespace=True,
        error_messages={"required": "무엇이 먹고 싶은지 입력해 주세요."},
    )


class WeatherOut(serializers.Serializer):
    provider = serializers.CharField()
    summary = serializers.CharField()
    temperature = serializers.FloatField(help_text="기온 ℃")
    humidity = serializers.IntegerField(help_text="습도 %")
    wind_speed = serializers.FloatField(help_text="풍속 m/s")
    precipitation = serializers.ChoiceField(choices=["none", "rain", "rain_snow", "snow", "shower"])
    sky = serializers.ChoiceField(choices=["clear", "partly_cloudy", "cloudy"])
    precipitation_mm = serializers.FloatField()
    precipitation_text = serializers.CharField()
    pop = serializers.IntegerField(allow_null=True, help_text="강수확률 %")
    display = serializers.DictField(
        child=serializers.CharField(), help_text="원래 클라이언트 형식(한국어 키)"
    )


class ContractWeatherOut(serializers.Serializer):
    """The original client's weather: Korean keys, display strings."""

    강수형태 = serializers.CharField()
    날씨 = serializers.CharField()
    강수량 = serializers.CharField()
    기온 = serializers.CharField()
    습도 = serializers.CharField()
    풍속 = serializers.CharField()


class OpenOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    member_count = serializers.IntegerField()
    target_count = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    region = serializers.CharField()


class PickOut(serializers.Serializer):
    name = serializers.CharField()
    category = serializers.CharField()
    reason = serializers.CharField()
    price = serializers.IntegerField(help_text="1인 기준 대략적인 가격(원)")
    price_band = serializers.CharField()
    spicy = serializers.IntegerField(help_text="0 안 매움 … 3 아주 매움")
    soup = serializers.BooleanField()
    tags = serializers.ListField(child=serializers.CharField())
    open_orders = OpenOrderOut(many=True)
    open_orders_url = serializers.CharField()
    new_order_url = serializers.CharField()


class RecommendationOut(serializers.Serializer):
    seed = serializers.IntegerField()
    context = serializers.ListField(child=serializers.CharField())
    weather = WeatherOut(allow_null=True)
    items = PickOut(many=True)


class TurnOut(serializers.Serializer):
    role = serializers.ChoiceField(choices=["user", "assistant"])
    content = serializers.CharField()


def weather_payload(weather: Weather | None) -> dict | None:
    if weather is None:
        return None
    return {**weather.as_dict(), "summary": weather.summary, "display": weather.as_contract()}


def category_links(category: str) -> tuple[str, str]:
    query = urlencode({"category": category})
    return f"/?{query}", f"/groupbuys/new/?{query}"


# What "이 메뉴로 모집하기" writes for the host (the write form checks it like any input).
TITLE_MAX = 30
RESTAURANT_MAX = 50


def new_order_url(dish: Dish) -> str:
    """The write form filled with what the pick knows: title, category and a kind of
    restaurant ("<메뉴> 전문점": the catalogue names dishes, not restaurant kinds). The
    host's usual pickup spot is added by the write form itself (it is per user)."""
    title = f"{dish.name} 같이 시켜요"
    if len(title) > TITLE_MAX:
        title = dish.name[:TITLE_MAX]
    kind = f"{dish.name} 전문점"
    query = urlencode(
        {"category": dish.category, "title": title, "restaurant": kind[:RESTAURANT_MAX]}
    )
    return f"/groupbuys/new/?{query}"


def pick_payload(pick: Pick) -> dict:
    board_url, _ = category_links(pick.dish.category)
    new_url = new_order_url(pick.dish)
    return {
        "name": pick.dish.name,
        "category": pick.dish.category,
        "reason": pick.reason,
        "price": pick.dish.price,
        "price_band": pick.dish.price_band,
        "spicy": pick.dish.spicy,
        "soup": pick.dish.soup,
        "tags": sorted(pick.dish.tags),
        "open_orders": [
            {
                "id": order.id,
                "title": order.title,
                "member_count": order.member_count,
                "target_count": order.target_count,
                "deadline": order.deadline,
                "region": order.region_name,
            }
            for order in pick.open_orders
        ],
        "open_orders_url": board_url,
        "new_order_url": new_url,
    }


def recommendation_payload(recommendation: Recommendation) -> dict:
    return {
        "seed": recommendation.seed,
        "context": recommendation.context.describe(),
        "weather": weather_payload(recommendation.context.weather),
        "items": [pick_payload(pick) for pick in recommendation.picks],
    }
