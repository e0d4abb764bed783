from django.urls import path

from mealbuddy.accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("logout-everywhere/", views.logout_everywhere, name="logout-everywhere"),
    path("me/", views.me, name="me"),
    path("password/", views.password_change, name="password"),
    path("delete/", views.delete, name="delete"),
    path("profile/", views.profile, name="profile"),
]
