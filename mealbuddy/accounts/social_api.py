"""Provider log-in for API clients: the same ``{"user": {..., token, refresh}}`` as a password
log-in (``/api/user/login/``), from a provider's code or token.

One endpoint, three steps at most:

1. ``code`` (+ ``redirect_uri``, ``code_verifier``) or the provider SDK's ``access_token``
   (Google: or ``id_token``). A linked identity logs in: 200 with the token pair.
2. A new person: 400 ``signup_required`` with a ``signup_token``; post it back with
   ``username``, ``address`` (+ ``region``) (and ``email`` when the provider shared none): 201.
3. A verified e-mail that already has an account: 409 ``link_required`` with a
   ``link_token``; post it back with that account's ``password``: linked, 200.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.accounts import services, social_services
from mealbuddy.accounts.errors import InvalidInput
from mealbuddy.accounts.serializers import UserEnvelopeSerializer, user_payload
from mealbuddy.accounts.social_providers import (
    PROVIDERS,
    identity_from_code,
    identity_from_token,
    provider_require,
)
from mealbuddy.accounts.throttling import write_throttle_check
from mealbuddy.core.api import application_error_response
from mealbuddy.core.errors import ApplicationError, RateLimited

TAGS = ["계정"]


class SocialLoginInputSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, max_length=2048)
    redirect_uri = serializers.CharField(required=False, max_length=2048)
    code_verifier = serializers.CharField(required=False, max_length=256)
    access_token = serializers.CharField(required=False, max_length=4096)
    id_token = serializers.CharField(required=False, max_length=8192, help_text="구글만")
    signup_token = serializers.CharField(required=False, max_length=8192)
    link_token = serializers.CharField(required=False, max_length=8192)
    password = serializers.CharField(required=False, max_length=4096, trim_whitespace=False)
    email = serializers.CharField(required=False, max_length=254, allow_blank=True)
    username = serializers.CharField(required=False, max_length=40, allow_blank=True)
    address = serializers.CharField(required=False, max_length=200, allow_blank=True)
    region = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class SocialLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "social"

    @extend_schema(
        tags=TAGS,
        summary="소셜 로그인 (카카오 · 네이버 · 구글)",
        description=(
            "인가 코드(code + redirect_uri, PKCE면 code_verifier)나 SDK가 받은 access_token"
            "(구글은 id_token도)을 보내면 제공자에게 확인한 뒤 비밀번호 로그인과 같은 토큰 쌍을 "
            "돌려줘요. 처음 온 사람은 400 signup_required와 signup_token을 받아요: signup_token에 "
            "username, address(, region, 제공자가 이메일을 주지 않았으면 email)를 붙여 다시 보내면 "
            "가입돼요(201). 이미 가입한 이메일이면 409 link_required와 link_token을 받아요: "
            "link_token에 그 계정의 password를 붙여 보내면 연결하고 로그인해요. 키가 설정되지 "
            "않은 제공자는 404예요."
        ),
        parameters=[
            OpenApiParameter("provider", str, OpenApiParameter.PATH, enum=list(PROVIDERS)),
        ],
        request=SocialLoginInputSerializer,
        responses={
            200: UserEnvelopeSerializer,
            201: UserEnvelopeSerializer,
            400: OpenApiTypes.OBJECT,
            404: OpenApiTypes.OBJECT,
            409: OpenApiTypes.OBJECT,
            429: OpenApiTypes.OBJECT,
            502: OpenApiTypes.OBJECT,
        },
    )
    def post(self, request, provider: str):
        provider_require(provider)
        serializer = SocialLoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("signup_token"):
            return self._signup(request, provider, data)
        if data.get("link_token"):
            return self._link(request, provider, data)
        if data.get("code"):
            if not data.get("redirect_uri"):
                raise InvalidInput({"redirect_uri": ["redirect_uri를 함께 보내 주세요."]})
            identity = identity_from_code(
                request=request,
                provider=provider,
                code=data["code"],
                redirect_uri=data["redirect_uri"],
                code_verifier=data.get("code_verifier", ""),
            )
        elif data.get("access_token") or (provider == "google" and data.get("id_token")):
            identity = identity_from_token(
                request=request,
                provider=provider,
                access_token=data.get("access_token", ""),
                id_token=data.get("id_token", ""),
            )
        else:
            raise InvalidInput({"code": ["code나 access_token을 보내 주세요."]})
        outcome = social_services.social_identity_resolve(identity=identity)
        if isinstance(outcome, social_services.LoggedIn):
            return Response({"user": user_payload(outcome.user)})
        if isinstance(outcome, social_services.NeedsPassword):
            token = social_services.social_token_make(identity=identity, user=outcome.user)
            raise ApplicationError(
                social_services.LINK_NEEDS_PASSWORD,
                code="link_required",
                status_code=409,
                extra={"link_token": token, "email": identity.email},
            )
        raise ApplicationError(
            "처음 오셨네요. 닉네임과 동네를 알려 주면 가입돼요.",
            code="signup_required",
            extra={
                "signup_token": social_services.social_token_make(identity=identity),
                "email": identity.email,
                "nickname": identity.nickname,
                "email_required": not identity.email,
            },
        )

    def _signup(self, request, provider: str, data: dict) -> Response:
        identity = social_services.social_signup_token_read(
            token=data["signup_token"], provider=provider
        )
        write_throttle_check(request, scope="signup")
        user = social_services.social_user_register(
            identity=identity,
            username=data.get("username", ""),
            address=data.get("address", ""),
            region_id=data.get("region"),
            email=data.get("email"),
        )
        return Response({"user": user_payload(user)}, status=status.HTTP_201_CREATED)

    def _link(self, request, provider: str, data: dict) -> Response:
        identity, user_id = social_services.social_link_token_read(
            token=data["link_token"], provider=provider
        )
        try:
            user = social_services.social_link_with_password(
                identity=identity,
                user_id=user_id,
                password=data.get("password", ""),
                ip=services.client_ip(request),
            )
        except RateLimited as exc:
            response = application_error_response(exc)
            response["Retry-After"] = str(settings.LOGIN_THROTTLE_WINDOW)
            return response
        return Response({"user": user_payload(user)})
