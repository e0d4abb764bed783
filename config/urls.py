from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mealbuddy.core.views import healthz, manifest, media, offline, service_worker

SWAGGER_CDN = "https://cdn.jsdelivr.net"
# drf-spectacular's page also carries a three-line inline <style>; the docs page shows no
# user content, so inline styles are allowed there and nowhere else.
SWAGGER_CSP = {
    "script-src": [SWAGGER_CDN],
    "style-src": [SWAGGER_CDN, "'unsafe-inline'"],
    "img-src": [SWAGGER_CDN],
}

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("manifest.webmanifest", manifest, name="manifest"),
    path("sw.js", service_worker, name="service-worker"),
    path("offline/", offline, name="offline"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI comes from its CDN; the split view serves its start-up script as a file,
    # so the page needs no inline script, only the CDN allowed for itself.
    path(
        "api/docs/",
        csp_update(SWAGGER_CSP)(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    # The original React client's contract, unchanged.
    path("api/", include("mealbuddy.compat.urls")),
    # Our own REST API.
    path("api/", include("mealbuddy.regions.api_urls")),
    path("api/", include("mealbuddy.accounts.api_urls")),
    path("api/", include("mealbuddy.groupbuys.api_urls")),
    path("api/", include("mealbuddy.chat.api_urls")),
    path("api/", include("mealbuddy.notifications.api_urls")),
    path("api/", include("mealbuddy.recommend.api_urls")),
    path("api/", include("mealbuddy.wallet.api_urls")),
    path("api/", include("mealbuddy.trust.api_urls")),
    path("api/", include("mealbuddy.community.api_urls")),  # 동네생활 (issue 13)
    path("api/", include("mealbuddy.alerts.api_urls")),  # 모집 알림 (issue 14)
    path("api/", include("mealbuddy.series.api_urls")),  # 정기 모집 (issue 14)
    # Provider log-ins (issue 13): /accounts/social/… pages and /api/auth/social/<provider>/.
    path("", include("mealbuddy.accounts.social_urls")),
    # 나눔 1:1 chat (issue 13): /community/<id>/chat/ and /api/community/posts/<id>/chat/.
    path("", include("mealbuddy.community.share_chat_views")),
    # Web pages.
    path("", include("mealbuddy.groupbuys.urls")),
    path("accounts/", include("mealbuddy.accounts.urls")),
    path("regions/", include("mealbuddy.regions.urls")),
    path("chats/", include("mealbuddy.chat.urls")),
    path("notifications/", include("mealbuddy.notifications.urls")),
    path("recommend/", include("mealbuddy.recommend.urls")),
    path("wallet/", include("mealbuddy.wallet.urls")),
    path("", include("mealbuddy.trust.urls")),
    path("community/", include("mealbuddy.community.urls")),  # 동네생활 (issue 13)
    path("alerts/", include("mealbuddy.alerts.urls")),  # 모집 알림 (issue 14)
    path("series/", include("mealbuddy.series.urls")),  # 정기 모집 (issue 14)
]

# Local uploads: the reverse proxy serves /media/ in production (deploy/Caddyfile); Django
# only with SERVE_MEDIA (debug mode, `make run` on one machine), never with S3 storage.
if settings.SERVE_MEDIA:
    urlpatterns.append(path("media/<path:path>", media, name="media"))

# JSON under /api/, Korean pages elsewhere.
handler400 = "mealbuddy.core.errorviews.bad_request"
handler403 = "mealbuddy.core.errorviews.permission_denied"
handler404 = "mealbuddy.core.errorviews.page_not_found"
handler500 = "mealbuddy.core.errorviews.server_error"
