from django.urls import path

from mealbuddy.notifications import api

urlpatterns = [
    path("notifications/", api.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read/", api.NotificationReadApi.as_view(), name="notification-read"),
    path("push/key/", api.PushKeyApi.as_view(), name="push-key"),
    path("push/subscriptions/", api.PushSubscriptionsApi.as_view(), name="push-subscribe"),
    path("push/unsubscribe/", api.PushUnsubscribeApi.as_view(), name="push-unsubscribe"),
    path("push/preferences/", api.PushPreferencesApi.as_view(), name="push-preferences"),
]
