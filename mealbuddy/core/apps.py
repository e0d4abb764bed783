from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mealbuddy.core"
    label = "core"
