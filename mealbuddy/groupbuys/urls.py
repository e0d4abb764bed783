from django.urls import path

from mealbuddy.groupbuys import views

app_name = "groupbuys"
urlpatterns = [
    path("", views.board, name="board"),
    path("groupbuys/new/", views.write, name="write"),
    path("groupbuys/<int:pk>/", views.detail, name="detail"),
    path("groupbuys/<int:pk>/edit/", views.edit, name="edit"),
    path("groupbuys/<int:pk>/delete/", views.delete, name="delete"),
    path("groupbuys/<int:pk>/join/", views.join, name="join"),
    path("groupbuys/<int:pk>/leave/", views.leave, name="leave"),
    path("groupbuys/<int:pk>/status/", views.status_change, name="status"),
    path("groupbuys/<int:pk>/ban/", views.ban, name="ban"),
    path("groupbuys/<int:pk>/items/", views.item_add, name="item_add"),
    path("groupbuys/items/<int:item_id>/", views.item_update, name="item_update"),
    path("groupbuys/items/<int:item_id>/delete/", views.item_delete, name="item_delete"),
]
