from django.urls import path

from mealbuddy.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<id:pk>/edit/", views.alert_edit, name="edit"),
    path("<id:pk>/delete/", views.alert_delete, name="delete"),
    path("nudges/", views.nudge_preference, name="nudges"),
]
