"""Shared fixtures.

Regions: the whole 시도/시군구/읍면동 table is loaded once per session into the test
database. Tests that flush the database (``transactional_db``, live servers) call
``ensure_regions()`` (or use the ``regions_tx`` fixture) to load it again.
"""

from __future__ import annotations

import pytest
from channels.layers import channel_layers
from django.core.cache import cache

from mealbuddy.regions.loader import regions_load
from mealbuddy.regions.models import Region

SEOGYO = "11440120"  # 서울특별시 마포구 서교동
HAPJEONG = "11440122"  # 서울특별시 마포구 합정동 (borders 서교동)
JEONGJA_BUNDANG = "41135103"  # 경기도 성남시 분당구 정자동
HAEUNDAE_U = "26350105"  # 부산광역시 해운대구 우동 (far away)


def pytest_collection_modifyitems(items):
    """Mark browser tests and run them last.

    Playwright's sync API keeps an event loop running in the main thread for as long as the
    session-wide browser lives, so async tests after it could not start their own loop.
    """

    def is_browser_test(item) -> bool:
        return "/e2e/" in str(item.fspath) or item.get_closest_marker("e2e") is not None

    browser_tests = []
    others = []
    for item in items:
        if is_browser_test(item):
            item.add_marker(pytest.mark.e2e)
            # A browser journey drives two real processes and Chromium on two shared cores;
            # one retry absorbs a timing hiccup there, and the summary still reports it.
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=1))
            browser_tests.append(item)
        else:
            others.append(item)
    items[:] = others + browser_tests


pytest_plugins = ["tests.chat.fixtures"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """PBKDF2 costs ~0.3 s a hash here and factories hash a password for every user.

    Browser tests keep the real hasher: their server process verifies what the test hashed.
    """
    if request.node.get_closest_marker("e2e") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache_and_channel_layer():
    """Login throttles live in the cache; in-memory layer queues belong to one event loop;
    socket budgets live in the cache (Redis) or in this process's memory."""
    from mealbuddy.core.limits import limits_reset_local

    cache.clear()
    limits_reset_local()
    channel_layers.backends = {}
    yield
    cache.clear()
    limits_reset_local()
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings):
    """Tasks run inside their caller, so a request shows its notifications at once.

    Tests of the job runner itself take ``db_tasks`` (tests/jobs/conftest.py) instead.
    """
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default"],
        }
    }


def ensure_regions() -> None:
    if not Region.objects.filter(level=Region.Level.EMD).exists():
        regions_load()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_regions()


@pytest.fixture
def regions_tx(transactional_db):
    ensure_regions()


@pytest.fixture
def seogyo(db) -> Region:
    return Region.objects.get(code=SEOGYO)


@pytest.fixture
def hapjeong(db) -> Region:
    return Region.objects.get(code=HAPJEONG)


@pytest.fixture
def far_region(db) -> Region:
    return Region.objects.get(code=HAEUNDAE_U)


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def auth_client(user):
    """An APIClient that sends the original client's ``Authorization: token <jwt>``."""
    from rest_framework.test import APIClient

    from mealbuddy.accounts.tokens import tokens_for_user

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {tokens_for_user(user)['token']}")
    client.user = user
    return client


def client_for(user):
    from rest_framework.test import APIClient

    from mealbuddy.accounts.tokens import tokens_for_user

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {tokens_for_user(user)['token']}")
    client.user = user
    return client
