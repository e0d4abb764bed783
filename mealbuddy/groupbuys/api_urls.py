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
        "groupbuys/items/<id:item_id>/",
        api.ItemDetailView.as_view(),
        name="groupbuys-item-detail",
    ),
]
