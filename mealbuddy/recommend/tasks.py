"""Recommendation jobs: keep the weather cache warm where people are ordering."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.jobs.registry import periodic
from mealbuddy.recommend.services import weather_warm


@periodic("recommend.weather_warm", every_minutes=5)
@task()
def warm_weather() -> int:
    # The cache is per grid cell and hour: a second run in the same hour only reads it.
    return weather_warm()
