from django.apps import AppConfig


class CompatConfig(AppConfig):
    name = "mealbuddy.compat"
    label = "compat"
