from django.urls import path

from mealbuddy.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("push/", views.push_preferences, name="push-preferences"),
]
