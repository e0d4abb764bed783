"""JWTs: every forged, stale or misused token is refused; refresh rotates; logout revokes."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from mealbuddy.accounts import services
from mealbuddy.accounts.tokens import PASSWORD_CLAIM, password_fingerprint, tokens_for_user
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def current(token: str, scheme: str = "token"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    return client.get("/api/user/current/")


def b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def refresh_call(refresh: str):
    return APIClient().post("/api/auth/refresh/", {"refresh": refresh}, format="json")


def test_a_fresh_token_works(user):
    assert current(tokens_for_user(user)["token"]).status_code == 200


def test_expired_access_token_is_refused(user):
    token = AccessToken.for_user(user)
    token[PASSWORD_CLAIM] = password_fingerprint(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = current(str(token))
    assert response.status_code == 401
    assert response.json()["errors"]["error"]


def test_tampered_signature_is_refused(user):
    token = tokens_for_user(user)["token"]
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert current(f"{header}.{payload}.{flipped}").status_code == 401


def test_tampered_payload_is_refused(user, django_user_model):
    from tests.factories import UserFactory

    other = UserFactory()
    header, payload, signature = tokens_for_user(user)["token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = str(other.pk)
    assert current(f"{header}.{b64(claims)}.{signature}").status_code == 401


def test_alg_none_is_refused(user):
    _, payload, _ = tokens_for_user(user)["token"].split(".")
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    assert current(unsigned).status_code == 401
    assert current(unsigned, scheme="Bearer").status_code == 401


def test_refresh_token_used_as_access_is_refused(user):
    assert current(tokens_for_user(user)["refresh"]).status_code == 401


def test_token_after_password_change_is_refused(user):
    pair = tokens_for_user(user)
    services.user_change_password(
        user=user,
        current_password=DEFAULT_PASSWORD,
        new_password1="완전히-새-비번-77",
        new_password2="완전히-새-비번-77",
    )
    assert current(pair["token"]).status_code == 401
    assert refresh_call(pair["refresh"]).status_code == 401


def test_token_after_deletion_is_refused(user):
    pair = tokens_for_user(user)
    services.user_deactivate(user=user, password=DEFAULT_PASSWORD)
    assert current(pair["token"]).status_code == 401
    assert refresh_call(pair["refresh"]).status_code == 401


# --- refresh / logout ---------------------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_cannot_be_reused(user):
    pair = tokens_for_user(user)
    response = refresh_call(pair["refresh"])
    assert response.status_code == 200
    new = response.json()
    assert set(new) == {"token", "refresh"} and new["refresh"] != pair["refresh"]
    assert current(new["token"]).status_code == 200

    reused = refresh_call(pair["refresh"])
    assert reused.status_code == 401
    assert reused.json()["errors"]["refresh"]
    assert refresh_call(new["refresh"]).status_code == 200


def test_refresh_refuses_garbage_access_tokens_and_missing_field(user):
    assert refresh_call("garbage").status_code == 401
    assert refresh_call(tokens_for_user(user)["token"]).status_code == 401
    response = APIClient().post("/api/auth/refresh/", {}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()["errors"]


def test_refresh_ignores_a_broken_authorization_header(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="token expired-garbage")
    response = client.post("/api/auth/refresh/", {"refresh": tokens_for_user(user)["refresh"]})
    assert response.status_code == 200


def test_logout_revokes_the_refresh_token(user):
    pair = tokens_for_user(user)
    response = APIClient().post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 200
    assert refresh_call(pair["refresh"]).status_code == 401
    again = APIClient().post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 200


def test_logout_refuses_forged_and_access_tokens(user):
    pair = tokens_for_user(user)
    header, payload, _ = pair["refresh"].split(".")
    forged = f"{header}.{payload}.{'A' * 43}"
    for bad in (forged, pair["token"], "nonsense"):
        response = APIClient().post("/api/auth/logout/", {"refresh": bad}, format="json")
        assert response.status_code == 400, bad
        assert response.json()["errors"]["refresh"]
    assert refresh_call(pair["refresh"]).status_code == 200


def test_a_signed_token_without_a_session_is_refused(user):
    """Tokens from before sessions existed (or forged without one) cannot be revoked: refused."""
    token = AccessToken.for_user(user)
    token[PASSWORD_CLAIM] = password_fingerprint(user)
    assert current(str(token)).status_code == 401
    token["sid"] = "not-a-uuid"
    assert current(str(token)).status_code == 401
    token["sid"] = "00000000-0000-4000-8000-000000000000"  # no such session
    assert current(str(token)).status_code == 401


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_token_user_is_the_same_as_the_orm_would_load(user, django_assert_num_queries):
    # user_with_standing reads the user and the standing with its own statement (the hot path):
    # every field comes back as the ORM gives it (aware datetimes, booleans...) on SQLite and
    # PostgreSQL, and the standing (a sanction here) is there without another query.
    from django.utils import timezone

    from mealbuddy.accounts.models import TokenSession, User
    from mealbuddy.accounts.selectors import user_with_standing
    from mealbuddy.trust.models import Standing
    from mealbuddy.trust.selectors import restriction_active, standing_of

    tokens_for_user(user)
    session = TokenSession.objects.filter(user=user).latest("pk")
    orm_user = User.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        loaded = user_with_standing(user.pk, sid=session.sid)
        assert loaded.session_live is True
        with pytest.raises(Standing.DoesNotExist):
            loaded.standing  # noqa: B018 - no row yet, and no query to find that out
        assert standing_of(loaded).manner_score == Standing(user=user).manner_score
    assert _fields(loaded) == _fields(orm_user)

    until = timezone.now() + timedelta(days=3)
    Standing.objects.create(
        user=user, restriction=Standing.Restriction.SUSPENDED, restricted_until=until
    )
    with django_assert_num_queries(1):
        loaded = user_with_standing(user.pk, sid=session.sid)
        assert restriction_active(standing=standing_of(loaded))
    assert _fields(loaded.standing) == _fields(Standing.objects.get(user=user))
    assert loaded.standing.restricted_until == until

    TokenSession.objects.filter(pk=session.pk).update(revoked_at=timezone.now())
    assert user_with_standing(user.pk, sid=session.sid).session_live is False
    assert user_with_standing(user.pk + 999, sid=session.sid) is None

    # Pages (the session backend) load the same way, without the JWT session check.
    with django_assert_num_queries(1):
        page_user = user_with_standing(user.pk)
        assert restriction_active(standing=standing_of(page_user))
    assert not hasattr(page_user, "session_live")
    assert _fields(page_user) == _fields(orm_user)
