"""Django admin for the trust models. Staff decide on the moderation pages
(/staff/moderation/), where every decision is audited; here rows are read only, so nothing
changes a standing or a report without its ModerationAction row."""

from __future__ import annotations

from django.contrib import admin

from mealbuddy.trust.models import (
    Block,
    ModerationAction,
    Report,
    Review,
    Standing,
    VerificationAttempt,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Standing)
class StandingAdmin(ReadOnlyAdmin):
    list_display = (
        "user",
        "manner_tenths",
        "reviews_received",
        "restriction",
        "restricted_until",
        "warnings",
    )
    list_filter = ("restriction",)
    search_fields = ("user__email", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user", "verified_region")


@admin.register(VerificationAttempt)
class VerificationAttemptAdmin(ReadOnlyAdmin):
    list_display = ("user", "claimed_region", "found_region", "distance_m", "outcome", "created_at")
    list_filter = ("outcome",)
    list_select_related = ("user", "claimed_region", "found_region")


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("group_order", "reviewer", "reviewee", "positive", "created_at")
    list_select_related = ("group_order", "reviewer", "reviewee")


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ("blocker", "blocked", "created_at")
    list_select_related = ("blocker", "blocked")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "target", "target_user", "reason", "source", "status", "created_at")
    list_filter = ("status", "target", "reason", "source")
    list_select_related = ("target_user",)
    raw_id_fields = (
        "reporter",
        "target_user",
        "group_order",
        "message",
        "post",
        "comment",
        "resolved_by",
    )


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The audit log: never edited, never deleted."""

    list_display = ("created_at", "kind", "staff", "target_user", "days", "reason")
    list_filter = ("kind",)
    search_fields = ("reason", "target_user__email")
    list_select_related = ("staff", "target_user")
    raw_id_fields = ("staff", "target_user", "group_order", "message", "post", "comment", "report")
