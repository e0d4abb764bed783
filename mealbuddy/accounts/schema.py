"""OpenAPI: how clients authenticate (``Authorization: token <jwt>`` or ``Bearer <jwt>``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenJWTScheme(OpenApiAuthenticationExtension):
    target_class = "mealbuddy.accounts.authentication.TokenJWTAuthentication"
    name = "tokenJWT"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`token <access-jwt>` (원본 클라이언트) 또는 `Bearer <access-jwt>`. "
            "토큰은 로그인·회원가입·/api/user/current/ 응답의 `token`, "
            "또는 /api/auth/refresh/ 로 받아요.",
        }
