from django.urls import include, path

urlpatterns = [
    path("", include("mealbuddy.compat.users")),
    path("", include("mealbuddy.compat.posts")),
    path("", include("mealbuddy.compat.openapi")),
    path("", include("mealbuddy.compat.chat")),
]
