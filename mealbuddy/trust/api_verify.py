"""REST: 동네인증 (``/api/trust/verify/``) and the public profile (``/api/profiles/<id>/``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.regions.serializers import ErrorsSerializer
from mealbuddy.trust.profiles import public_profile
from mealbuddy.trust.serializers_verify import (
    PublicProfileSerializer,
    VerificationStateSerializer,
    VerifyInputSerializer,
    VerifyResultSerializer,
)
from mealbuddy.trust.verification import region_verify, verification_state

TAGS = ["동네인증·프로필"]


def verified_message(state: dict) -> str:
    region = state["region"]["name"] if state["region"] else "내 동네"
    return f"{region} 인증을 마쳤어요. 이웃들에게 인증 배지가 보여요."


class VerifyApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="trust_verify_state",
        summary="내 동네인증 상태",
        responses={200: VerificationStateSerializer},
    )
    def get(self, request):
        return Response(verification_state(user=request.user))

    @extend_schema(
        tags=TAGS,
        operation_id="trust_verify",
        summary="동네 인증하기",
        description=(
            "브라우저 위치(위도·경도)가 내 동(법정동) 안이거나 경계에서 조금 떨어진 곳이면 "
            "동네를 인증해요 (기본 30일). 위치는 판단에만 쓰고 저장하지 않아요. 동네에서 "
            "멀면(code verification_far, distance_m), 국내가 아니면(outside_korea), 짧은 시간에 "
            "먼 곳들에서 시도하면(verification_jump) 400, 동네가 없으면 no_region, 너무 자주 "
            "시도하면 429예요."
        ),
        request=VerifyInputSerializer,
        responses={
            200: VerifyResultSerializer,
            400: ErrorsSerializer,
            429: ErrorsSerializer,
        },
    )
    def post(self, request):
        params = VerifyInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        region_verify(user=request.user, **params.validated_data)
        state = verification_state(user=request.user)
        return Response({**state, "message": verified_message(state)})


class PublicProfileApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="profiles_retrieve",
        summary="이웃의 프로필",
        description=(
            "닉네임, 사진, 동네와 인증 배지, 매너 점수, 완료한 주문 수, 많이 받은 태그. "
            "이메일과 주소는 없어요. 탈퇴한 사용자는 사진·동네 없이 보여요."
        ),
        responses={200: PublicProfileSerializer, 404: ErrorsSerializer},
    )
    def get(self, request, user_id: int):
        return Response(public_profile(user_id=user_id).as_dict())
