"""The original client's ``/api/user/*`` endpoints (API_CONTRACT.md, "Users").

Thin views over mealbuddy.accounts.services. Two endpoints answer errors in the original
shapes the client reads: ``changepassword/`` unwrapped, ``delete/`` as a bare JSON string.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.accounts import services
from mealbuddy.accounts.errors import InvalidInput
from mealbuddy.accounts.serializers import (
    UserEnvelopeSerializer,
    UserObjectSerializer,
    text,
    user_payload,
)
from mealbuddy.accounts.tokens import SESSION_CLAIM, WEB_API_SESSION_KEY, tokens_current
from mealbuddy.core.api import application_error_response
from mealbuddy.core.errors import RateLimited

TAGS = ["원본 클라이언트: 사용자"]
DELETE_REFUSED = "유효하지 않은 유저정보 입니다."


class RegisterView(APIView):
    throttle_scope = "signup"
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="회원가입",
        request=inline_serializer(
            "CompatRegisterInput",
            {
                "email": serializers.EmailField(),
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "password2": serializers.CharField(),
                "address": serializers.CharField(),
                "region": serializers.IntegerField(required=False),
            },
        ),
        responses={201: UserEnvelopeSerializer},
    )
    def post(self, request):
        data = request.data
        user = services.user_register(
            email=text(data, "email") or "",
            username=text(data, "username") or "",
            password=text(data, "password") or "",
            password2=text(data, "password2") or "",
            address=text(data, "address") or "",
            region_id=text(data, "region", numbers=True),
        )
        return Response({"user": user_payload(user)}, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=TAGS,
        summary="로그인",
        request=inline_serializer(
            "CompatLoginInput",
            {"email": serializers.EmailField(), "password": serializers.CharField()},
        ),
        responses={200: UserEnvelopeSerializer, 400: OpenApiTypes.OBJECT, 429: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        try:
            user = services.user_login(
                email=text(request.data, "email") or "",
                password=text(request.data, "password") or "",
                ip=services.client_ip(request),
            )
        except RateLimited as exc:
            response = application_error_response(exc)
            response["Retry-After"] = str(settings.LOGIN_THROTTLE_WINDOW)
            return response
        return Response({"user": user_payload(user)})


class CurrentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS, summary="현재 사용자 (새 토큰 발급)", responses={200: UserEnvelopeSerializer}
    )
    def get(self, request):
        # The same log-in session goes on (no new refresh-token row per page load); a page's
        # cookie session keeps one API session of its own.
        if request.auth is not None:
            tokens = tokens_current(user=request.user, sid=request.auth.get(SESSION_CLAIM))
            if tokens is None:  # logged out between authentication and here
                raise exceptions.AuthenticationFailed()
        else:
            tokens = tokens_current(
                user=request.user,
                sid=request.session.get(WEB_API_SESSION_KEY),
                start_if_ended=True,
            )
            request.session[WEB_API_SESSION_KEY] = tokens["sid"]
        return Response({"user": user_payload(request.user, tokens=tokens)})


class UpdateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="닉네임·동네 변경",
        request=inline_serializer(
            "CompatUpdateInput",
            {
                "username": serializers.CharField(required=False),
                "address": serializers.CharField(required=False),
                "region": serializers.IntegerField(required=False),
            },
        ),
        responses={200: UserObjectSerializer},
    )
    def post(self, request):
        user = services.user_update(
            user=request.user,
            username=text(request.data, "username"),
            address=text(request.data, "address"),
            region_id=text(request.data, "region", numbers=True),
        )
        return Response(user_payload(user))


class ChangePasswordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="비밀번호 변경",
        description='실패 응답은 감싸지 않아요: `{"new_password1": [...]}` 또는 `{"error": [...]}`.',
        request=inline_serializer(
            "CompatChangePasswordInput",
            {
                "current_password": serializers.CharField(),
                "new_password1": serializers.CharField(),
                "new_password2": serializers.CharField(),
            },
        ),
        responses={
            200: inline_serializer(
                "CompatChangePasswordOutput",
                {"message": serializers.CharField(), "user": UserObjectSerializer()},
            ),
            400: OpenApiTypes.OBJECT,
        },
    )
    def post(self, request):
        data = request.data
        try:
            user = services.user_change_password(
                user=request.user,
                current_password=text(data, "current_password") or "",
                new_password1=text(data, "new_password1") or "",
                new_password2=text(data, "new_password2") or "",
            )
        except InvalidInput as exc:
            # The client reads exactly two keys: ``new_password1`` and ``error``.
            body: dict[str, list[str]] = {}
            for field, messages in exc.errors.items():
                key = "new_password1" if field.startswith("new_password") else "error"
                body.setdefault(key, []).extend(messages)
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        # Old tokens stop working with the old password; here is a new pair.
        return Response({"message": "비밀번호가 변경됐어요.", "user": user_payload(user)})


class DeleteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="회원 탈퇴 (비밀번호 확인)",
        description="실패하면 401과 함께 JSON 문자열 하나를 돌려줘요.",
        request=inline_serializer("CompatDeleteInput", {"password": serializers.CharField()}),
        responses={200: OpenApiTypes.OBJECT, 401: OpenApiTypes.STR},
    )
    def post(self, request):
        try:
            services.user_deactivate(
                user=request.user, password=text(request.data, "password") or ""
            )
        except InvalidInput:
            return self._refused(status.HTTP_401_UNAUTHORIZED)
        return Response({"message": "탈퇴됐어요."})

    def handle_exception(self, exc):
        # Any failure (no token, bad token, CSRF) must still be a bare string for the client.
        response = super().handle_exception(exc)
        if response.status_code >= 400:
            refused = self._refused(response.status_code)
            if response.has_header("WWW-Authenticate"):
                refused["WWW-Authenticate"] = response["WWW-Authenticate"]
            return refused
        return response

    @staticmethod
    def _refused(code: int) -> Response:
        response = Response(DELETE_REFUSED, status=code)
        if code == status.HTTP_401_UNAUTHORIZED:
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response


urlpatterns = [
    path("user/register/", RegisterView.as_view(), name="compat-user-register"),
    path("user/login/", LoginView.as_view(), name="compat-user-login"),
    path("user/current/", CurrentView.as_view(), name="compat-user-current"),
    path("user/update/", UpdateView.as_view(), name="compat-user-update"),
    path("user/changepassword/", ChangePasswordView.as_view(), name="compat-user-changepassword"),
    path("user/delete/", DeleteView.as_view(), name="compat-user-delete"),
]
