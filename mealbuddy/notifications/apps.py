from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mealbuddy.notifications"
    label = "notifications"
