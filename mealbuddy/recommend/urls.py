from django.urls import path

from mealbuddy.recommend import views

app_name = "recommend"
urlpatterns = [
    path("", views.home, name="home"),
    path("weather-card/", views.weather_card, name="weather_card"),
    path("panel/", views.panel, name="panel"),
]
