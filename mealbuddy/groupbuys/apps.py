from django.apps import AppConfig


class GroupbuysConfig(AppConfig):
    name = "mealbuddy.groupbuys"
    label = "groupbuys"
