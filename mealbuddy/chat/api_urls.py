from django.urls import path

from mealbuddy.chat import api

urlpatterns = [
    path("chats/", api.MyChatsApi.as_view(), name="chat-list"),
    path("chats/<id:room_id>/messages/", api.MessagesApi.as_view(), name="chat-history"),
    path("chats/<id:room_id>/ticket/", api.TicketApi.as_view(), name="chat-ticket"),
    path("chats/<id:room_id>/read/", api.MarkReadApi.as_view(), name="chat-read"),
    path("chats/<id:room_id>/members/", api.MembersApi.as_view(), name="chat-members"),
]
