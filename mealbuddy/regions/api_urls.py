from django.urls import path

from mealbuddy.regions import api

urlpatterns = [
    path("regions/", api.RegionSearchApi.as_view(), name="regions-search"),
    path("regions/reverse/", api.RegionReverseApi.as_view(), name="regions-reverse"),
    path("regions/<id:region_id>/", api.RegionDetailApi.as_view(), name="regions-detail"),
    path(
        "regions/<id:region_id>/neighbours/",
        api.RegionNeighboursApi.as_view(),
        name="regions-neighbours",
    ),
]
