from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from mealbuddy.core.views import healthz, manifest, offline, service_worker

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("manifest.webmanifest", manifest, name="manifest"),
    path("sw.js", service_worker, name="service-worker"),
    path("offline/", offline, name="offline"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # The original React client's contract, unchanged.
    path("api/", include("mealbuddy.compat.urls")),
    # Our own REST API.
    path("api/", include("mealbuddy.regions.api_urls")),
    path("api/", include("mealbuddy.accounts.api_urls")),
    path("api/", include("mealbuddy.groupbuys.api_urls")),
    path("api/", include("mealbuddy.chat.api_urls")),
    path("api/", include("mealbuddy.notifications.api_urls")),
    path("api/", include("mealbuddy.recommend.api_urls")),
    # Web pages.
    path("", include("mealbuddy.groupbuys.urls")),
    path("accounts/", include("mealbuddy.accounts.urls")),
    path("regions/", include("mealbuddy.regions.urls")),
    path("chats/", include("mealbuddy.chat.urls")),
    path("notifications/", include("mealbuddy.notifications.urls")),
    path("recommend/", include("mealbuddy.recommend.urls")),
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}, name="media"),
]
