from django.urls import path

from mealbuddy.groupbuys import api

urlpatterns = [
    path("groupbuys/", api.GroupOrderListView.as_view(), name="groupbuys-list"),
    path("groupbuys/<id:pk>/", api.GroupOrderDetailView.as_view(), name="groupbuys-detail"),
    path("groupbuys/<id:pk>/join/", api.JoinView.as_view(), name="groupbuys-join"),
    path("groupbuys/<id:pk>/leave/", api.LeaveView.as_view(), name="groupbuys-leave"),
    path("groupbuys/<id:pk>/ban/", api.BanView.as_view(), name="groupbuys-ban"),
    path("groupbuys/<id:pk>/status/", api.StatusView.as_view(), name="groupbuys-status"),
    path("groupbuys/<id:pk>/items/", api.ItemListView.as_view(), name="groupbuys-items"),
    path(
        "groupbuys/<id:pk>/settlement/",
        api.SettlementView.as_view(),
        name="groupbuys-settlement",
    ),
    *[
        path(
            f"groupbuys/<id:pk>/settlement/{step}/",
            view.as_view(),
            name=f"groupbuys-settlement-{step}",
        )
        for step, view in (
            ("arrived", api.SettlementArrivedView),
            ("received", api.SettlementReceivedView),
            ("noshow", api.SettlementNoshowView),
            ("dispute", api.SettlementDisputeView),
            ("sent", api.SettlementSentView),
            ("paid", api.SettlementPaidView),
            ("remind", api.SettlementRemindView),
            ("receipt", api.SettlementReceiptView),
            ("prefs", api.SettlementPrefsView),
        )
    ],
    path(
        "groupbuys/items/<id:item_id>/",
        api.ItemDetailView.as_view(),
        name="groupbuys-item-detail",
    ),
]
