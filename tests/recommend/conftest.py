from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.recommend.fakes import JSON, FakeServer, open_meteo_body


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_meteo(settings):
    """A fake Open-Meteo answering clear weather; ``server.body`` can be replaced."""
    state = {"body": open_meteo_body(), "status": 200, "delay": 0}

    def respond(method, path, query, body):
        return state["status"], JSON, state["body"], state["delay"]

    with FakeServer(respond) as server:
        server.state = state
        settings.WEATHER_PROVIDERS = ["openmeteo"]
        settings.OPEN_METEO_URL = f"{server.url}/v1/forecast"
        yield server


@pytest.fixture
def no_weather(settings):
    settings.WEATHER_PROVIDERS = []
