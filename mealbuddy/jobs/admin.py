"""Queued and failed tasks are listed by django-tasks-db's own admin (Task results, filter by
status); the periodic leases show which scheduler tick enqueued what."""

from django.contrib import admin

from mealbuddy.jobs.models import PeriodicRun


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    list_display = ("name", "tick", "task_id", "created_at")
    list_filter = ("name",)
    ordering = ["-tick", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
