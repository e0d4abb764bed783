from django.urls import path

from mealbuddy.groupbuys import api

urlpatterns = [
    path("groupbuys/", api.GroupOrderListView.as_view(), name="groupbuys-list"),
    path("groupbuys/<int:pk>/", api.GroupOrderDetailView.as_view(), name="groupbuys-detail"),
    path("groupbuys/<int:pk>/join/", api.JoinView.as_view(), name="groupbuys-join"),
    path("groupbuys/<int:pk>/leave/", api.LeaveView.as_view(), name="groupbuys-leave"),
    path("groupbuys/<int:pk>/ban/", api.BanView.as_view(), name="groupbuys-ban"),
    path("groupbuys/<int:pk>/status/", api.StatusView.as_view(), name="groupbuys-status"),
    path("groupbuys/<int:pk>/items/", api.ItemListView.as_view(), name="groupbuys-items"),
    path(
        "groupbuys/items/<int:item_id>/",
        api.ItemDetailView.as_view(),
        name="groupbuys-item-detail",
    ),
]
