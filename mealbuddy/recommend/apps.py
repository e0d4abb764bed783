from django.apps import AppConfig


class RecommendConfig(AppConfig):
    name = "mealbuddy.recommend"
    label = "recommend"
