"""Periodic jobs, registered where they are defined.

An app's ``tasks.py`` marks a django-tasks ``Task`` as periodic::

    @periodic("groupbuys.close_expired")
    @task()
    def close_expired() -> int:
        return groupbuys_close_expired()

The scheduler imports every installed app's ``tasks`` module (like the admin's
autodiscovery), so this package never names a domain.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: object  # a django_tasks Task
    every_minutes: int = 1

    def due(self, *, tick_minute: int) -> bool:
        """Due at ticks whose minute count (since the epoch) is a multiple of the period."""
        return tick_minute % self.every_minutes == 0


_registry: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every_minutes: int = 1):
    """Register the decorated django-tasks ``Task`` to run every ``every_minutes`` minutes."""
    if every_minutes < 1:
        raise ValueError("every_minutes must be at least 1")

    def register(task):
        existing = _registry.get(name)
        if existing is not None and existing.task.module_path != task.module_path:
            raise ValueError(f"periodic job {name!r} is already {existing.task.module_path}")
        _registry[name] = PeriodicJob(name=name, task=task, every_minutes=every_minutes)
        return task

    return register


def periodic_jobs() -> list[PeriodicJob]:
    autodiscover_modules("tasks")
    return [_registry[name] for name in sorted(_registry)]
