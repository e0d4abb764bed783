from django.urls import path

from mealbuddy.accounts import api

urlpatterns = [
    path("auth/refresh/", api.AuthRefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", api.AuthLogoutView.as_view(), name="auth-logout"),
    path(
        "auth/logout-everywhere/",
        api.AuthLogoutEverywhereView.as_view(),
        name="auth-logout-everywhere",
    ),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/profile/", api.ProfileView.as_view(), name="me-profile"),
    path("me/password/", api.PasswordView.as_view(), name="me-password"),
    path("me/delete/", api.AccountDeleteView.as_view(), name="me-delete"),
]
