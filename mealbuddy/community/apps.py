from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "mealbuddy.community"
    label = "community"
    verbose_name = "동네생활"
