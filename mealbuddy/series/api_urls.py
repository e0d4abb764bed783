from django.urls import path

from mealbuddy.series import api

urlpatterns = [
    path("series/", api.SeriesListApi.as_view(), name="series-list"),
    path("series/<id:pk>/", api.SeriesDetailApi.as_view(), name="series-detail"),
    path("series/<id:pk>/pause/", api.SeriesPauseApi.as_view(), name="series-pause"),
    path("series/<id:pk>/resume/", api.SeriesResumeApi.as_view(), name="series-resume"),
    path("series/<id:pk>/end/", api.SeriesEndApi.as_view(), name="series-end"),
    path("series/<id:pk>/subscription/", api.SubscriptionApi.as_view(), name="series-subscription"),
    path("series/<id:pk>/skip/", api.SkipApi.as_view(), name="series-skip"),
]
