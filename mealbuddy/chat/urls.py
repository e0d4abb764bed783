from django.urls import path

from mealbuddy.chat import views

app_name = "chat"
urlpatterns = [
    path("", views.chat_list, name="list"),
    path("<id:room_id>/", views.chat_room, name="room"),
]
