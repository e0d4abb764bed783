from django.urls import path

from mealbuddy.wallet import views

app_name = "wallet"
urlpatterns = [
    path("", views.wallet_home, name="home"),
    path("topup/", views.wallet_topup, name="topup"),
    path("withdraw/", views.wallet_withdraw, name="withdraw"),
]
