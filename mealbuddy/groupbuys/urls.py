from django.urls import path

from mealbuddy.groupbuys import views

app_name = "groupbuys"
urlpatterns = [
    path("", views.board, name="board"),
    path("groupbuys/new/", views.write, name="write"),
    path("groupbuys/<id:pk>/", views.detail, name="detail"),
    path("groupbuys/<id:pk>/edit/", views.edit, name="edit"),
    path("groupbuys/<id:pk>/delete/", views.delete, name="delete"),
    path("groupbuys/<id:pk>/join/", views.join, name="join"),
    path("groupbuys/<id:pk>/leave/", views.leave, name="leave"),
    path("groupbuys/<id:pk>/status/", views.status_change, name="status"),
    path("groupbuys/<id:pk>/ban/", views.ban, name="ban"),
    path("groupbuys/<id:pk>/items/", views.item_add, name="item_add"),
    path("groupbuys/items/<id:item_id>/", views.item_update, name="item_update"),
    path("groupbuys/items/<id:item_id>/delete/", views.item_delete, name="item_delete"),
]
