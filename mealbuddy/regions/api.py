"""REST API for regions. Public (sign-up needs it before anyone has an account)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.errors import NotFound
from mealbuddy.regions.models import Region
from mealbuddy.regions.selectors import region_neighbour_ids, region_reverse, region_search
from mealbuddy.regions.serializers import (
    ErrorsSerializer,
    RegionListSerializer,
    RegionSearchListSerializer,
    RegionSerializer,
    ReverseQuerySerializer,
    SearchQuerySerializer,
    region_payload,
    region_search_payload,
)

OUTSIDE_KOREA = "이 위치에서 국내 동네를 찾지 못했어요. 동 이름으로 검색해 주세요."


class PublicRegionAPIView(APIView):
    # No authentication: nothing here depends on who asks, and skipping it keeps these
    # lookups cheap (no session or token work) and usable with a stale token.
    authentication_classes: list = []
    permission_classes = [AllowAny]


def _get_region(region_id: int) -> Region:
    if region_id > 2**63 - 1:  # the path converter takes any digits; the database does not
        raise NotFound("동네를 찾을 수 없어요.", code="region_not_found")
    try:
        return Region.objects.get(pk=region_id)
    except Region.DoesNotExist:
        raise NotFound("동네를 찾을 수 없어요.", code="region_not_found") from None


class RegionSearchApi(PublicRegionAPIView):
    @extend_schema(
        operation_id="regions_search",
        summary="동네(읍·면·동) 검색",
        description=(
            "입력 중인 검색어로 읍·면·동(법정동)을 찾아요 (최대 20개). 동 이름이 정확히 같은 "
            "곳, 행정동 이름(망원1동, 보라매동)이 속한 법정동, 그 이름으로 시작하는 곳, 포함하는 "
            "곳 순서예요. 행정동 이름으로 찾은 곳은 matched_dong에 그 이름이 있어요. "
            "빈 검색어는 빈 목록이에요."
        ),
        parameters=[SearchQuerySerializer],
        responses={200: RegionSearchListSerializer, 400: ErrorsSerializer},
        tags=["regions"],
    )
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        regions = region_search(query=params.validated_data["q"])
        return Response({"results": [region_search_payload(r) for r in regions]})


class RegionReverseApi(PublicRegionAPIView):
    @extend_schema(
        operation_id="regions_reverse",
        summary="현재 위치의 동네",
        description="브라우저 위치(위도·경도)가 속한 읍·면·동. 국내가 아니면 404예요.",
        parameters=[ReverseQuerySerializer],
        responses={200: RegionSerializer, 400: ErrorsSerializer, 404: ErrorsSerializer},
        tags=["regions"],
    )
    def get(self, request):
        params = ReverseQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        region = region_reverse(**params.validated_data)
        if region is None:
            raise NotFound(OUTSIDE_KOREA, code="outside_korea")
        return Response(region_payload(region))


class RegionDetailApi(PublicRegionAPIView):
    @extend_schema(
        operation_id="regions_retrieve",
        summary="동네 한 곳",
        responses={200: RegionSerializer, 404: ErrorsSerializer},
        parameters=[OpenApiParameter("region_id", int, OpenApiParameter.PATH)],
        tags=["regions"],
    )
    def get(self, request, region_id: int):
        return Response(region_payload(_get_region(region_id)))


class RegionNeighboursApi(PublicRegionAPIView):
    @extend_schema(
        operation_id="regions_neighbours",
        summary="맞닿은 동네",
        description="이 읍·면·동과 경계가 맞닿은 읍·면·동 (자기 자신 제외), 전체 이름 순.",
        responses={200: RegionListSerializer, 404: ErrorsSerializer},
        parameters=[OpenApiParameter("region_id", int, OpenApiParameter.PATH)],
        tags=["regions"],
    )
    def get(self, request, region_id: int):
        region = _get_region(region_id)
        ids = region_neighbour_ids(region=region)
        neighbours = Region.objects.filter(pk__in=ids).order_by("full_name") if ids else []
        return Response({"results": [region_payload(r) for r in neighbours]})
