from django.urls import path

from mealbuddy.alerts import api

urlpatterns = [
    path("alerts/", api.AlertListApi.as_view(), name="alert-list"),
    path("alerts/preferences/", api.AlertPreferencesApi.as_view(), name="alert-preferences"),
    path("alerts/<id:pk>/", api.AlertDetailApi.as_view(), name="alert-detail"),
]
