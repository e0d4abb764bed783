from django.urls import path

from mealbuddy.wallet import api

urlpatterns = [
    path("wallet/", api.WalletApi.as_view(), name="wallet"),
]
