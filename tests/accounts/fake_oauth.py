"""A fake Kakao, Naver and Google on 127.0.0.1: a real HTTP server in a thread that speaks
each provider's OAuth2 / OpenID Connect formats.

``fake.person(...)`` makes someone who has an account at the provider; ``fake.signed_in[p]``
is who is "logged in at the provider" when a browser reaches its consent page, which shows
"동의하고 계속하기" and "취소" like the real ones. Tests without a browser get a code with
``fake.code_for(...)``. Endpoints, per provider, under ``/<provider>/``:

- Kakao: ``/oauth/authorize``, ``/oauth/token`` (400 ``invalid_grant`` / KOE320 for a bad
  code), ``/v2/user/me`` (``kakao_account.email``, ``is_email_verified``, ``profile.nickname``)
- Naver: ``/oauth2.0/authorize``, ``/oauth2.0/token`` (answers 200 with ``error`` for a bad
  code, as Naver does), ``/v1/nid/me`` (``{"resultcode": "00", "response": {...}}``)
- Google: ``/o/oauth2/v2/auth``, ``/token`` (with an ``id_token`` RS256-signed by this fake's
  key), ``/oauth2/v3/certs`` (its JWKS), ``/v1/userinfo``

PKCE (RFC 7636), as the real ones: Kakao and Google remember a ``code_challenge`` sent to
their authorize page (S256 or plain) and then give a token only for the ``code_verifier``
that matches it; Naver takes no PKCE and ignores both.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENTS = {
    "kakao": ("kakao-rest-key", "kakao-secret"),
    "naver": ("naver-client-id", "naver-secret"),
    "google": ("google-client.apps.googleusercontent.com", "google-secret"),
}
PKCE_PROVIDERS = ("kakao", "google")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class Person:
    provider: str
    uid: str
    email: str | None
    verified: bool = True
    nickname: str = "이웃"


class FakeOAuth:
    def __init__(self) -> None:
        self.people: dict[tuple[str, str], Person] = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, Person] = {}
        self.signed_in: dict[str, Person] = {}
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-key-1"
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- set-up -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeOAuth:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def urls(self) -> dict:
        """What ``SOCIAL_PROVIDER_URLS`` should say to send every call here."""
        base = self.base_url
        return {
            "kakao": {
                "authorize": f"{base}/kakao/oauth/authorize",
                "token": f"{base}/kakao/oauth/token",
                "profile": f"{base}/kakao/v2/user/me",
            },
            "naver": {
                "authorize": f"{base}/naver/oauth2.0/authorize",
                "token": f"{base}/naver/oauth2.0/token",
                "profile": f"{base}/naver/v1/nid/me",
            },
            "google": {
                "authorize": f"{base}/google/o/oauth2/v2/auth",
                "token": f"{base}/google/token",
                "profile": f"{base}/google/v1/userinfo",
                "jwks": f"{base}/google/oauth2/v3/certs",
                "issuer": self.issuer,
            },
        }

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/google"

    @staticmethod
    def providers_setting(*names: str) -> dict:
        """``SOCIALACCOUNT_PROVIDERS`` with keys for ``names`` (all three by default)."""
        scopes = {"kakao": ["profile_nickname", "account_email"], "naver": [], "google": []}
        return {
            name: {
                "APP": {"client_id": CLIENTS[name][0], "secret": CLIENTS[name][1], "key": ""},
                "SCOPE": scopes[name],
            }
            for name in (names or tuple(CLIENTS))
        }

    def person(
        self,
        provider: str,
        *,
        email: str | None,
        verified: bool = True,
        nickname: str = "이웃",
        uid: str | None = None,
    ) -> Person:
        uid = uid or (
            str(secrets.randbelow(10**10)) if provider == "kakao" else secrets.token_hex(8)
        )
        person = Person(provider, uid, email, verified, nickname)
        with self.lock:
            self.people[(provider, uid)] = person
        return person

    def code_for(
        self,
        person: Person,
        *,
        redirect_uri: str,
        client_id: str | None = None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        """A code as the consent page would hand out; with ``code_challenge`` (Kakao and
        Google only) the token endpoint wants the matching ``code_verifier``."""
        code = secrets.token_urlsafe(16)
        challenge = code_challenge if person.provider in PKCE_PROVIDERS else None
        with self.lock:
            self.codes[code] = {
                "person": person,
                "redirect_uri": redirect_uri,
                "client_id": client_id or CLIENTS[person.provider][0],
                "code_challenge": challenge or None,
                "code_challenge_method": (code_challenge_method or "plain") if challenge else None,
            }
        return code

    @staticmethod
    def pkce_ok(grant: dict, verifier: str) -> bool:
        challenge = grant.get("code_challenge")
        if not challenge:
            return True  # none was sent at the authorize step: nothing to check
        if not verifier:
            return False
        if grant["code_challenge_method"] == "S256":
            return secrets.compare_digest(s256(verifier), challenge)
        return secrets.compare_digest(verifier, challenge)

    def access_token_for(self, person: Person) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = person
        return token

    def id_token_for(self, person: Person, *, audience: str | None = None, **claims) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "azp": audience or CLIENTS["google"][0],
            "aud": audience or CLIENTS["google"][0],
            "sub": person.uid,
            "email": person.email,
            "email_verified": person.verified,
            "name": person.nickname,
            "given_name": person.nickname,
            "iat": now,
            "exp": now + 3600,
            **claims,
        }
        if person.email is None:
            payload.pop("email")
            payload.pop("email_verified")
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    # --- the wire formats ---------------------------------------------------------------------

    def profile_body(self, person: Person) -> dict:
        if person.provider == "kakao":
            account = {
                "profile_nickname_needs_agreement": False,
                "profile": {"nickname": person.nickname, "is_default_nickname": False},
                "has_email": person.email is not None,
                "email_needs_agreement": person.email is None,
            }
            if person.email is not None:
                account.update(
                    {
                        "is_email_valid": True,
                        "is_email_verified": person.verified,
                        "email": person.email,
                    }
                )
            return {
                "id": int(person.uid),
                "connected_at": "2026-12-01T12:00:00Z",
                "properties": {"nickname": person.nickname},
                "kakao_account": account,
            }
        if person.provider == "naver":
            response = {"id": person.uid, "nickname": person.nickname, "name": person.nickname}
            if person.email is not None:
                response["email"] = person.email
            return {"resultcode": "00", "message": "success", "response": response}
        body = {"sub": person.uid, "name": person.nickname, "given_name": person.nickname}
        if person.email is not None:
            body.update({"email": person.email, "email_verified": person.verified})
        return body

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def _token_response(self, provider: str, form: dict) -> tuple[int, dict]:
        client_id, secret = CLIENTS[provider]
        code = form.get("code", "")
        with self.lock:
            grant = self.codes.pop(code, None)  # one use only
        ok = (
            grant is not None
            and form.get("grant_type") == "authorization_code"
            and form.get("client_id") == client_id
            and form.get("client_secret", "") == secret
            and form.get("redirect_uri", grant["redirect_uri"]) == grant["redirect_uri"]
            and self.pkce_ok(grant, form.get("code_verifier", ""))
        )
        if not ok:
            if provider == "kakao":
                return 400, {
                    "error": "invalid_grant",
                    "error_description": f"authorization code not found for code={code}",
                    "error_code": "KOE320",
                }
            if provider == "naver":  # Naver answers 200 with an error body
                return 200, {
                    "error": "invalid_request",
                    "error_description": "no valid data in session",
                }
            return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
        person = grant["person"]
        access = self.access_token_for(person)
        body = {"access_token": access, "token_type": "bearer", "refresh_token": "r-" + access}
        if provider == "kakao":
            body.update(
                {
                    "expires_in": 21599,
                    "scope": "account_email profile_nickname",
                    "refresh_token_expires_in": 5183999,
                }
            )
        elif provider == "naver":
            body["expires_in"] = "3600"  # a string, as Naver sends it
        else:
            body.update(
                {
                    "expires_in": 3599,
                    "token_type": "Bearer",
                    "scope": "openid email profile",
                    "id_token": self.id_token_for(person),
                }
            )
        return 200, body

    def _consent_page(self, provider: str, query: dict) -> str:
        person = self.signed_in.get(provider)
        redirect_uri = query.get("redirect_uri", "")
        state = query.get("state", "")
        allow = ""
        if person is not None:
            code = self.code_for(
                person,
                redirect_uri=redirect_uri,
                client_id=query.get("client_id"),
                code_challenge=query.get("code_challenge"),
                code_challenge_method=query.get("code_challenge_method"),
            )
            allow = f"{redirect_uri}?{urlencode({'code': code, 'state': state})}"
        deny = f"{redirect_uri}?{urlencode({'error': 'access_denied', 'error_description': 'User denied access', 'state': state})}"
        return (
            "<!doctype html><html lang='ko'><head><meta charset='utf-8'><title>동의하기</title></head>"
            f"<body><main><h1>{html.escape(provider)} 로그인 (가짜)</h1>"
            f"<p>{html.escape(person.email or '' if person else '로그인한 사람이 없어요')}</p>"
            f"<a id='allow' href='{html.escape(allow)}'>동의하고 계속하기</a> "
            f"<a id='deny' href='{html.escape(deny)}'>취소</a></main></body></html>"
        )

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body, content_type="application/json;charset=UTF-8"):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _bearer_person(self):
                header = self.headers.get("Authorization", "")
                token = header[7:] if header.lower().startswith("bearer ") else ""
                with fake.lock:
                    return fake.tokens.get(token)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                provider, _, rest = parts.path.lstrip("/").partition("/")
                fake.requests.append(("GET", parts.path))
                if rest in ("oauth/authorize", "oauth2.0/authorize", "o/oauth2/v2/auth"):
                    return self._send(
                        200, fake._consent_page(provider, query), "text/html; charset=utf-8"
                    )
                if provider == "google" and rest == "oauth2/v3/certs":
                    return self._send(200, fake.jwks())
                if rest in ("v2/user/me", "v1/nid/me", "v1/userinfo"):
                    person = self._bearer_person()
                    if person is None or person.provider != provider:
                        if provider == "kakao":
                            return self._send(
                                401, {"msg": "this access token does not exist", "code": -401}
                            )
                        if provider == "naver":
                            return self._send(
                                401, {"resultcode": "024", "message": "Authentication failed"}
                            )
                        return self._send(401, {"error": "invalid_token"})
                    return self._send(200, fake.profile_body(person))
                return self._send(404, {"error": "not_found"})

            def do_POST(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                provider, _, rest = parts.path.lstrip("/").partition("/")
                fake.requests.append(("POST", parts.path))
                if rest in ("oauth/token", "oauth2.0/token", "token"):
                    status, body = fake._token_response(provider, form)
                    return self._send(status, body)
                return self._send(404, {"error": "not_found"})

        return Handler
