from django.urls import path

from mealbuddy.regions import views

app_name = "regions"
urlpatterns = [
    path("search/", views.region_search_partial, name="search"),
    path("reverse/", views.region_reverse_partial, name="reverse"),
]
