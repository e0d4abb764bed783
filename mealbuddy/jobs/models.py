from __future__ import annotations

from django.db import models


class PeriodicRun(models.Model):
    """The lease for one periodic job at one tick: whoever inserts the row enqueues the job.

    Several schedulers (one per machine) all try every tick; the unique constraint lets
    exactly one of them in, and the row and the queued task commit together.
    """

    name = models.CharField(max_length=64)
    tick = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-tick", "name"]
        verbose_name = "주기 작업 실행"
        verbose_name_plural = "주기 작업 실행"
        constraints = [
            models.UniqueConstraint(fields=["name", "tick"], name="periodic_run_once_per_tick"),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.name} @ {self.tick:%Y-%m-%d %H:%M}"


class TaskOnce(models.Model):
    """A key saved in the same transaction as a task's effect, so a re-run skips it."""

    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.key
