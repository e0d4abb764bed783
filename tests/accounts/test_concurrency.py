"""Races that matter for accounts, with real threads and real transactions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mealbuddy.accounts import services
from mealbuddy.accounts.errors import InvalidInput, Unauthenticated
from mealbuddy.accounts.models import User
from mealbuddy.accounts.tokens import tokens_for_user


def race(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results: list = []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.usefixtures("regions_tx")
def test_a_refresh_token_rotates_exactly_once_under_concurrency():
    user = User.objects.create_user("race@example.com", "경주", "배고픈-저녁-2024")
    refresh = tokens_for_user(user)["refresh"]
    results = race(4, lambda: services.auth_refresh(refresh=refresh))
    wins = [r for r in results if isinstance(r, dict)]
    assert len(wins) == 1, results
    assert all(isinstance(r, Unauthenticated) for r in results if not isinstance(r, dict))


@pytest.mark.usefixtures("regions_tx")
def test_the_same_email_registers_once_under_concurrency():
    counter = iter(range(100))

    def sign_up():
        return services.user_register(
            email="twice@example.com",
            username=f"동시{next(counter)}",
            password="배고픈-저녁-2024",
            address="서울특별시 마포구 서교동",
        )

    results = race(3, sign_up)
    assert sum(isinstance(r, User) for r in results) == 1, results
    for failure in (r for r in results if not isinstance(r, User)):
        assert isinstance(failure, InvalidInput)
        assert failure.errors["email"] == ["이미 가입된 이메일이에요."]
    assert User.objects.filter(email="twice@example.com").count() == 1


@pytest.mark.usefixtures("regions_tx")
def test_concurrent_current_calls_mint_one_refresh_token_for_a_session():
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
    from rest_framework_simplejwt.tokens import UntypedToken

    from mealbuddy.accounts.tokens import tokens_current

    user = User.objects.create_user("current@example.com", "현재", "배고픈-저녁-2024")
    pair = tokens_for_user(user)
    # Past half its lifetime: the next current/ replaces it.
    OutstandingToken.objects.update(expires_at=timezone.now() + timedelta(hours=1))
    sid = UntypedToken(pair["token"])["sid"]
    results = race(4, lambda: tokens_current(user=user, sid=sid))
    assert all(isinstance(r, dict) for r in results), results
    assert len({r["refresh"] for r in results}) == 1
    assert results[0]["refresh"] != pair["refresh"]
    assert OutstandingToken.objects.count() == 2


@pytest.mark.usefixtures("regions_tx")
def test_refresh_racing_log_out_everywhere_leaves_no_live_token():
    from django.core.cache import cache
    from rest_framework.test import APIClient

    user = User.objects.create_user("everywhere@example.com", "어디서나", "배고픈-저녁-2024")
    refresh = tokens_for_user(user)["refresh"]
    turns = iter(range(2))

    def work():
        if next(turns) == 0:
            return services.user_logout_everywhere(user=User.objects.get(pk=user.pk))
        return services.auth_refresh(refresh=refresh)

    results = race(2, work)
    assert all(r is None or isinstance(r, dict | Unauthenticated) for r in results), results
    cache.clear()  # what the database says, whatever a process cached
    for pair in [r for r in results if isinstance(r, dict)]:  # the refresh won the race
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"token {pair['token']}")
        assert client.get("/api/user/current/").status_code == 401
        with pytest.raises(Unauthenticated):
            services.auth_refresh(refresh=pair["refresh"])
