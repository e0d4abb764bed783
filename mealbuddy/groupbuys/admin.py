"""Staff views of group orders and their members' money.

Money, headcounts and status move only through the services (holds, captures, refunds and
the chat messages that go with them), so they are read-only here. The one money decision
staff make, a disputed no-show deposit, is two actions on the members' list that call
``settlement.deposit_resolve``; whatever it refuses is reported, row by row.
"""

from __future__ import annotations

from django.contrib import admin, messages

from mealbuddy.core.errors import ApplicationError
from mealbuddy.groupbuys import settlement
from mealbuddy.groupbuys.models import GroupOrder, Participation

ORDER_MONEY_FIELDS = (
    "payment",
    "noshow_deposit",
    "settle_account",
    "receipt",
    "ordered_at",
    "arrived_at",
)
ORDER_STATE_FIELDS = (
    "host",
    "region",
    "status",
    "closed_reason",
    "member_count",
    "target_count",
    "deadline",
    "created_at",
    "updated_at",
    "status_changed_at",
)
PARTICIPATION_FIELDS = (
    "group_order",
    "user",
    "joined_at",
    "held_cash",
    "held_points",
    "hold_seq",
    "use_points",
    "spending_cap",
    "captured",
    "deposit_held",
    "deposit_state",
    "noshow_at",
    "paid_at",
    "sent_at",
    "received_at",
    "reminded_at",
)


class ParticipationInline(admin.TabularInline):
    model = Participation
    fields = ("user", "held_cash", "held_points", "captured", "deposit_held", "deposit_state")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GroupOrder)
class GroupOrderAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "title",
        "host",
        "region",
        "status",
        "payment",
        "noshow_deposit",
        "member_count",
        "target_count",
        "deadline",
        "created_at",
    )
    list_filter = ("status", "payment", "category")
    search_fields = ("title", "restaurant", "host__email", "host__username")
    list_select_related = ("host", "region")
    date_hierarchy = "created_at"
    # Staff may correct what people wrote (moderation); everything that moves money or
    # members goes through the services.
    fields = (
        ("title", "category"),
        "description",
        ("restaurant", "pickup_spot"),
        ("min_order_amount", "delivery_fee", "fee_split"),
        *ORDER_STATE_FIELDS,
        *ORDER_MONEY_FIELDS,
    )
    readonly_fields = (
        "min_order_amount",
        "delivery_fee",
        "fee_split",
        *ORDER_STATE_FIELDS,
        *ORDER_MONEY_FIELDS,
    )
    inlines = [ParticipationInline]

    def has_add_permission(self, request):
        return False  # an order comes with its chat room and host membership: the service

    def has_delete_permission(self, request, obj=None):
        return False  # deleting refunds holds and tells the members: the host's service


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "group_order",
        "user",
        "deposit_held",
        "deposit_state",
        "noshow_at",
        "received_at",
        "held_cash",
        "held_points",
        "captured",
        "paid_at",
    )
    list_filter = ("deposit_state", "group_order__payment", "group_order__status")
    search_fields = ("user__email", "user__username", "group_order__title")
    list_select_related = ("group_order", "user")
    raw_id_fields = ("group_order", "user")
    fields = PARTICIPATION_FIELDS
    readonly_fields = PARTICIPATION_FIELDS
    actions = ["deposit_to_host", "deposit_to_member"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # leaving or a ban refunds the member: the services

    def _resolve(self, request, queryset, *, to_host: bool) -> None:
        done = 0
        for participation in queryset.select_related("user").order_by("pk"):
            try:
                settlement.deposit_resolve(participation_id=participation.pk, to_host=to_host)
            except ApplicationError as exc:
                self.message_user(
                    request,
                    f"#{participation.pk} {participation.user.display_name}: {exc.message}",
                    level=messages.WARNING,
                )
            else:
                done += 1
        if done:
            where = "방장에게 지급했어요" if to_host else "멤버에게 돌려줬어요"
            self.message_user(request, f"보증금 {done}건을 {where}.", level=messages.SUCCESS)

    @admin.action(description="보증금 방장에게 지급", permissions=["change"])
    def deposit_to_host(self, request, queryset):
        self._resolve(request, queryset, to_host=True)

    @admin.action(description="보증금 멤버에게 돌려주기", permissions=["change"])
    def deposit_to_member(self, request, queryset):
        self._resolve(request, queryset, to_host=False)
