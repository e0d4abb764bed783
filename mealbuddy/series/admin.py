from django.contrib import admin

from mealbuddy.series.models import AutoJoin, Occurrence, Series, Subscription


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "host", "kind", "state", "next_deadline", "next_open_at")
    list_filter = ("state", "kind")
    search_fields = ("title", "restaurant")
    raw_id_fields = ("host", "region")
    readonly_fields = ("next_deadline", "next_open_at", "created_at", "updated_at")


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ("id", "series", "deadline", "group_order", "joins_done_at")
    raw_id_fields = ("series", "group_order")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("id", "series", "user", "spending_cap", "use_points", "created_at")
    raw_id_fields = ("series", "user")


@admin.register(AutoJoin)
class AutoJoinAdmin(admin.ModelAdmin):
    list_display = ("id", "occurrence", "user", "result", "code", "created_at")
    list_filter = ("result", "code")
    raw_id_fields = ("occurrence", "user")
