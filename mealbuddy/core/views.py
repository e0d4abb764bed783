from __future__ import annotations

import hashlib
import json
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Reachability of the database and, when configured, Redis."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report any failure, never raise
        checks["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
            client.ping()
            client.close()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {exc.__class__.__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


MANIFEST = {
    "name": "밀버디 — 배달비 나눠 내는 동네 공동주문",
    "short_name": "밀버디",
    "lang": "ko",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#f6f7f9",
    "theme_color": "#ff6b35",
    "icons": [
        {"src": "icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {
            "src": "icons/icon-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "any maskable",
        },
    ],
}


def manifest(request):
    # Icons under the names static files are served by (hashed in production).
    data = {
        **MANIFEST,
        "icons": [{**icon, "src": static(icon["src"])} for icon in MANIFEST["icons"]],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


_STATIC_LITERAL = re.compile(r'"/static/([^"]+)"')


def service_worker_source() -> str:
    """js/sw.js with its precached static URLs as the pages reference them.

    In production the pages load hashed names (manifest storage), so the worker must precache
    those, and its cache name follows them: a deploy that changes a file changes the worker,
    which drops the old cache. Production (manifest storage) reads the collected copy, since
    the sources need not be deployed next to STATIC_ROOT; DEBUG reads them through the finders.
    """
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        with staticfiles_storage.open("js/sw.js") as source:
            text = source.read().decode("utf-8")
    else:
        with open(finders.find("js/sw.js"), encoding="utf-8") as source:
            text = source.read()
    text = _STATIC_LITERAL.sub(lambda match: json.dumps(static(match.group(1))), text)
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return text.replace('"mb-v1"', json.dumps(f"mb-{version}"), 1)


@never_cache
def service_worker(request):
    """Served from the root so its scope covers every page."""
    response = HttpResponse(service_worker_source(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request):
    from django.shortcuts import render

    return render(request, "core/offline.html")


# Uploaded files are user content: a browser must never run them as a page or script.
MEDIA_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=86400",
}


def media(request, path: str):
    """A read-only file under MEDIA_ROOT, for SERVE_MEDIA only (config/urls.py).

    Uploads get random names and are never rewritten in place, so they may be cached.
    ``safe_join`` refuses anything outside MEDIA_ROOT (``..``, absolute paths).
    """
    from django.core.exceptions import SuspiciousFileOperation
    from django.http import FileResponse, Http404
    from django.utils._os import safe_join

    try:
        full_path = safe_join(settings.MEDIA_ROOT, path)
    except SuspiciousFileOperation:
        raise Http404 from None
    try:
        response = FileResponse(open(full_path, "rb"))  # noqa: SIM115 - FileResponse closes it
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise Http404 from None
    for name, value in MEDIA_HEADERS.items():
        response[name] = value
    return response
