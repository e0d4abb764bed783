"""Series jobs: the tick opens due occurrences (idempotent: claimed rows, a unique
(series, deadline)); joining subscribers is its own task (a unique outcome per person)."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.jobs.registry import periodic
from mealbuddy.series.services import occurrence_join_subscribers, series_tick


@periodic("series.tick")
@task()
def tick() -> dict:
    result = series_tick()
    return {"opened": result["opened"], "missed": result["missed"]}


@task()
def join_subscribers(*, occurrence_ids: list[int]) -> dict:
    totals: dict[str, int] = {}
    for occurrence_id in occurrence_ids:
        for key, count in occurrence_join_subscribers(occurrence_id=int(occurrence_id)).items():
            totals[key] = totals.get(key, 0) + count
    return totals
