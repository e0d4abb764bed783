from __future__ import annotations

import math

from rest_framework import serializers

from mealbuddy.regions.models import Region

SEARCH_QUERY_MAX_LENGTH = 100


REGION_FIELDS = ("id", "code", "name", "full_name", "sido", "sigungu", "lat", "lon")


class RegionSerializer(serializers.ModelSerializer):
    """The region object of the API (documents it; ``region_payload`` builds it)."""

    class Meta:
        model = Region
        fields = list(REGION_FIELDS)
        read_only_fields = fields


def region_payload(region: Region) -> dict:
    """``RegionSerializer(region).data``, built directly: these lists are on the typing
    path, and a ModelSerializer spends more time building its fields than the search."""
    return {name: getattr(region, name) for name in REGION_FIELDS}


class RegionListSerializer(serializers.Serializer):
    results = RegionSerializer(many=True)


class RegionSearchResultSerializer(RegionSerializer):
    matched_dong = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text=(
            '검색어의 행정동 이름으로 찾은 법정동이면 그 행정동 이름 ("망원1동" → 망원동), '
            "아니면 null"
        ),
    )

    class Meta(RegionSerializer.Meta):
        fields = [*REGION_FIELDS, "matched_dong"]
        read_only_fields = fields


class RegionSearchListSerializer(serializers.Serializer):
    results = RegionSearchResultSerializer(many=True)


def region_search_payload(region: Region) -> dict:
    """A search result: the region, and the 행정동 it was found through (or None)."""
    return {**region_payload(region), "matched_dong": getattr(region, "matched_dong", None)}


class ErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='필드 이름(또는 "error")별 한국어 오류 메시지',
    )
    code = serializers.CharField(required=False)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        max_length=SEARCH_QUERY_MAX_LENGTH,
        default="",
        error_messages={
            "max_length": f"검색어는 {SEARCH_QUERY_MAX_LENGTH}자 이하로 입력해 주세요.",
            "invalid": "검색어가 올바르지 않아요.",
        },
        help_text='동 이름 일부, 또는 "마포구 서교", "분당 정자"처럼 시·군·구와 함께',
    )


class CoordinateField(serializers.FloatField):
    """A latitude or longitude in degrees: finite and within ``[-limit, limit]``."""

    def __init__(self, *, label: str, limit: float, **kwargs) -> None:
        messages = {
            "required": f"{label}를 입력해 주세요.",
            "null": f"{label}를 입력해 주세요.",
            "invalid": f"{label}는 숫자여야 해요.",
            "max_string_length": f"{label}는 숫자여야 해요.",
            "overflow": f"{label}는 숫자여야 해요.",
            "min_value": f"{label}는 -{limit:g}에서 {limit:g} 사이여야 해요.",
            "max_value": f"{label}는 -{limit:g}에서 {limit:g} 사이여야 해요.",
        }
        super().__init__(min_value=-limit, max_value=limit, error_messages=messages, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip():
            self.fail("required")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class ReverseQuerySerializer(serializers.Serializer):
    lat = CoordinateField(label="위도(lat)", limit=90, help_text="위도 (WGS84, 도)")
    lon = CoordinateField(label="경도(lon)", limit=180, help_text="경도 (WGS84, 도)")
