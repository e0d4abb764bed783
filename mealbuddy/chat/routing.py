from django.urls import path

from mealbuddy.chat.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/chat/<id:room_id>/", ChatConsumer.as_asgi()),
]
