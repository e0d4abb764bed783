from django.urls import path

from mealbuddy.groupbuys import landing, views

app_name = "groupbuys"
urlpatterns = [
    path("", landing.home, name="board"),  # signed in: views.board; else the landing page
    path("groupbuys/new/", views.write, name="write"),
    path("groupbuys/<id:pk>/", views.detail, name="detail"),
    path("groupbuys/<id:pk>/edit/", views.edit, name="edit"),
    path("groupbuys/<id:pk>/delete/", views.delete, name="delete"),
    path("groupbuys/<id:pk>/join/", views.join, name="join"),
    path("groupbuys/<id:pk>/leave/", views.leave, name="leave"),
    path("groupbuys/<id:pk>/status/", views.status_change, name="status"),
    path("groupbuys/<id:pk>/ban/", views.ban, name="ban"),
    path("groupbuys/<id:pk>/items/", views.item_add, name="item_add"),
    path("groupbuys/<id:pk>/settlement/arrived/", views.settlement_arrived, name="arrived"),
    path("groupbuys/<id:pk>/settlement/received/", views.settlement_received, name="received"),
    path("groupbuys/<id:pk>/settlement/noshow/", views.settlement_noshow, name="noshow"),
    path("groupbuys/<id:pk>/settlement/dispute/", views.settlement_dispute, name="dispute"),
    path("groupbuys/<id:pk>/settlement/sent/", views.settlement_sent, name="sent"),
    path("groupbuys/<id:pk>/settlement/paid/", views.settlement_paid, name="paid"),
    path("groupbuys/<id:pk>/settlement/remind/", views.settlement_remind, name="remind"),
    path("groupbuys/<id:pk>/settlement/receipt/", views.settlement_receipt, name="receipt"),
    path("groupbuys/<id:pk>/settlement/prefs/", views.settlement_prefs, name="prefs"),
    path("groupbuys/items/<id:item_id>/", views.item_update, name="item_update"),
    path("groupbuys/items/<id:item_id>/delete/", views.item_delete, name="item_delete"),
]
