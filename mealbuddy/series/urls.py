from django.urls import path

from mealbuddy.series import views

app_name = "series"
urlpatterns = [
    path("", views.series_mine, name="mine"),
    path("new/", views.series_new, name="new"),
    path("<id:pk>/", views.series_detail, name="detail"),
    path("<id:pk>/edit/", views.series_edit, name="edit"),
    path("<id:pk>/subscribe/", views.subscribe, name="subscribe"),
    path("<id:pk>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
    path("<id:pk>/skip/", views.skip, name="skip"),
    path("<id:pk>/unskip/", views.unskip, name="unskip"),
    path("<id:pk>/pause/", views.pause, name="pause"),
    path("<id:pk>/resume/", views.resume, name="resume"),
    path("<id:pk>/end/", views.end, name="end"),
]
