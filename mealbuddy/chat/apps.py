from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "mealbuddy.chat"
    label = "chat"
