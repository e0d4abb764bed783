"""Provider log-ins: the pages under /accounts/social/ and the API's /api/auth/social/."""

from django.urls import path

from mealbuddy.accounts import social_api, social_views

app_name = "social"
urlpatterns = [
    path("accounts/social/signup/", social_views.social_signup, name="signup"),
    path("accounts/social/link/", social_views.social_link, name="link"),
    path("accounts/social/connections/", social_views.social_connections, name="connections"),
    path(
        "accounts/social/connections/<str:provider>/unlink/",
        social_views.social_unlink,
        name="unlink",
    ),
    path("accounts/social/<str:provider>/start/", social_views.social_start, name="start"),
    path("accounts/social/<str:provider>/callback/", social_views.social_callback, name="callback"),
    path("api/auth/social/<str:provider>/", social_api.SocialLoginView.as_view(), name="api-login"),
]
