"""Read-only admin: the ledger changes only through services (a correction is a new transfer)."""

from __future__ import annotations

from django.contrib import admin

from .models import Account, Entry, TopUp, Transfer, Withdrawal


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "owner", "reference", "balance", "version", "created_at")
    list_filter = ("kind",)
    search_fields = ("reference", "owner__email")
    list_select_related = ("owner",)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "key", "reference", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("key", "reference")
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "transfer", "account", "amount")
    list_select_related = ("transfer", "account")
    raw_id_fields = ("transfer", "account")


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ("id", "order_id", "user", "provider", "amount", "status", "created_at")
    list_filter = ("status", "provider")
    search_fields = ("order_id", "payment_key", "user__email")
    list_select_related = ("user",)


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "provider", "amount", "bank", "status", "created_at")
    list_filter = ("status", "provider")
    search_fields = ("user__email", "account_number")
    list_select_related = ("user",)
