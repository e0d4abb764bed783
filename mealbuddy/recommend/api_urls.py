from django.urls import path

from mealbuddy.recommend import api

urlpatterns = [
    path("recommendations/", api.RecommendationsView.as_view(), name="recommendations"),
    path("weather/", api.WeatherView.as_view(), name="weather"),
]
