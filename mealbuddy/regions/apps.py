from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "mealbuddy.regions"
    label = "regions"
