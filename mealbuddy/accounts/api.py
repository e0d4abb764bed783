"""Our own account API: token refresh/logout, the signed-in user, their profile, password
and deletion."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.accounts import services
from mealbuddy.accounts.serializers import (
    AccountDeleteInputSerializer,
    MeSerializer,
    MessageSerializer,
    MeUpdateSerializer,
    PasswordChangeInputSerializer,
    PasswordChangeOutputSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
    RefreshInputSerializer,
    TokenPairSerializer,
)
from mealbuddy.accounts.tokens import tokens_for_user
from mealbuddy.core.input import JSONBodyParser

TAGS = ["계정"]


class AuthRefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="토큰 갱신 (리프레시 토큰 회전)",
        description="쓴 리프레시 토큰은 폐기되고 새 쌍을 돌려줘요. 비밀번호가 바뀌었거나 "
        "탈퇴한 계정의 토큰은 거절해요 (401).",
        request=RefreshInputSerializer,
        responses={200: TokenPairSerializer},
    )
    def post(self, request):
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.auth_refresh(refresh=serializer.validated_data["refresh"]))


class AuthLogoutView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="로그아웃 (리프레시 토큰 폐기)",
        request=RefreshInputSerializer,
        responses={200: MessageSerializer},
    )
    def post(self, request):
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.auth_logout(refresh=serializer.validated_data["refresh"])
        return Response({"message": "로그아웃됐어요."})


class AuthLogoutEverywhereView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="모든 기기에서 로그아웃",
        description="이 계정의 모든 토큰·웹 세션이 끝나고 열린 소켓이 닫혀요 (4001). "
        "이 요청에 쓴 토큰도 더 이상 쓸 수 없어요.",
        request=None,
        responses={200: MessageSerializer},
    )
    def post(self, request):
        services.user_logout_everywhere(user=request.user)
        return Response({"message": "모든 기기에서 로그아웃됐어요."})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="내 정보", responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        tags=TAGS,
        summary="닉네임·동네 변경",
        request=MeUpdateSerializer,
        responses={200: MeSerializer},
    )
    def patch(self, request):
        serializer = MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.user_update(
            user=request.user,
            username=data.get("username"),
            address=data.get("address"),
            region_id=data.get("region"),
        )
        return Response(MeSerializer(user).data)


class ProfileView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONBodyParser, MultiPartParser, FormParser]

    @extend_schema(tags=TAGS, summary="내 프로필", responses={200: ProfileSerializer})
    def get(self, request):
        profile = services.profile_ensure(user=request.user)
        return Response(ProfileSerializer(profile, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        summary="프로필 변경 (사진은 multipart)",
        request={
            "application/json": ProfileUpdateSerializer,
            "multipart/form-data": ProfileUpdateSerializer,
        },
        responses={200: ProfileSerializer},
    )
    def patch(self, request):
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        profile = services.profile_update(
            user=request.user,
            gender=data.get("gender"),
            age_band=data.get("age_band"),
            spicy_tolerance=data.get("spicy_tolerance"),
            dietary_restrictions=data.get("dietary_restrictions"),
            favourite_categories=data.get("favourite_categories"),
            avatar=data.get("avatar"),
            remove_avatar=data.get("remove_avatar", False),
        )
        return Response(ProfileSerializer(profile, context={"request": request}).data)


class PasswordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="비밀번호 변경 · 만들기",
        description="비밀번호가 있으면 `current_password`가 맞아야 해요. 간편 로그인으로 가입해 "
        "비밀번호가 없는 계정(`/api/me/`의 `has_password`가 false)은 현재 비밀번호 없이 "
        "처음 비밀번호를 만들어요. 다른 기기의 토큰과 이 요청에 쓴 토큰은 끝나고, 새 토큰 "
        "쌍을 돌려줘요.",
        request=PasswordChangeInputSerializer,
        responses={200: PasswordChangeOutputSerializer},
    )
    def post(self, request):
        serializer = PasswordChangeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        had_password = request.user.has_usable_password()
        user = services.user_change_password(
            user=request.user,
            current_password=data.get("current_password", ""),
            new_password1=data["new_password1"],
            new_password2=data["new_password2"],
        )
        tokens = tokens_for_user(user)
        message = "비밀번호를 바꿨어요." if had_password else "비밀번호를 만들었어요."
        return Response(
            {"message": message, "token": tokens["token"], "refresh": tokens["refresh"]}
        )


class AccountDeleteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="회원 탈퇴",
        description="비밀번호가 있는 계정은 `password`로, 간편 로그인으로 가입해 비밀번호가 "
        "없는 계정은 `username`(닉네임 그대로)으로 확인해요. 비밀번호가 있는 계정은 "
        "닉네임으로 탈퇴할 수 없어요. 정산되지 않은 돈이 있으면 409예요.",
        request=AccountDeleteInputSerializer,
        responses={200: MessageSerializer},
    )
    def post(self, request):
        serializer = AccountDeleteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.user_deactivate(
            user=request.user, password=data.get("password", ""), username=data.get("username")
        )
        return Response({"message": "탈퇴했어요. 그동안 밀버디를 써 주셔서 고마워요."})
