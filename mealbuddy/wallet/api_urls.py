from django.urls import path

from mealbuddy.wallet import api

urlpatterns = [
    path("wallet/", api.WalletApi.as_view(), name="wallet"),
    path("wallet/topups/", api.TopUpCreateApi.as_view(), name="wallet-topups"),
    path("wallet/topups/confirm/", api.TopUpConfirmApi.as_view(), name="wallet-topup-confirm"),
    path("wallet/webhooks/toss/", api.TossWebhookApi.as_view(), name="wallet-webhook-toss"),
    path("wallet/withdrawals/", api.WithdrawalCreateApi.as_view(), name="wallet-withdrawals"),
]
