"""Mealbuddy settings: everything comes from the environment, with embedded defaults.

Without any variable set the service runs on SQLite, an in-memory channel layer, a
local-memory cache and files under ``media/``. ``DATABASE_URL`` and ``REDIS_URL`` switch to
PostgreSQL and Redis (channel layer and cache). `.env.example` lists every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from config.testworkers import worker_overrides
from mealbuddy.core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def _local_secret_key() -> str:
    """A per-checkout key kept in an ignored file, so no secret is ever committed."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=True)
# A key generated into .secret_key is per checkout: fine for one process on one machine, but
# processes or machines that must verify each other's sessions and tokens need the same key,
# so several workers refuse to start on a generated one (mealbuddy.core.checks).
SECRET_KEY_GENERATED = not env.str("SECRET_KEY", default="")
SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "django_htmx",
    "csp",
    "channels",
    "mealbuddy.core",
    "mealbuddy.regions",
    "mealbuddy.accounts",
    "mealbuddy.groupbuys",
    "mealbuddy.chat",
    "mealbuddy.notifications",
    "mealbuddy.recommend",
    "mealbuddy.compat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mealbuddy.notifications.context_processors.badges",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue (busy timeout) instead of failing with "database is locked".
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file (not :memory:) so uvicorn processes started by tests share the test database.
    _db["TEST"] = {"NAME": env.str("SQLITE_TEST_DB", default=str(BASE_DIR / ".test-db.sqlite3"))}
    # Keep the connection: closing the last one checkpoints the WAL (tens of ms), and under
    # ASGI all sync ORM work runs on one thread, so one connection serves every request
    # (under gunicorn's threads, one per long-lived thread: SERVER_THREADS per process).
    _db["CONN_MAX_AGE"] = None
    _db["CONN_HEALTH_CHECKS"] = True
elif _db["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
    _db["ENGINE"] = "django.db.backends.postgresql"
    # Under ASGI every request may run on another thread, so Django's per-thread persistent
    # connections would leak; psycopg's pool keeps the connections open across requests.
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=20),
        "timeout": 10,
    }
    # --- Pool health (issue 9, fault tests) ---------------------------------------------
    # A pooled connection can die while it sits idle (PostgreSQL restarted, a failover, an
    # operator's pg_terminate_backend): the pool checks each one as it is handed out (one
    # empty round trip) and replaces a dead one, so no request gets it and fails; finding
    # one dead, it sweeps the other idle ones too (mealbuddy/core/db.py).
    # (mealbuddy/core/postgresql is Django's backend with that check swapped in.)
    _db["ENGINE"] = "mealbuddy.core.postgresql"
    _db["CONN_HEALTH_CHECKS"] = env.bool("DB_POOL_CHECK", default=True)
    # --- end Pool health ------------------------------------------------------------------
    _db["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ----------------------------------------------------
_test_worker = worker_overrides(os.environ)  # one Redis database per parallel test worker
REDIS_URL = _test_worker.get("REDIS_URL", env.str("REDIS_URL", default=""))
CACHE_PREFIX = _test_worker.get("CACHE_PREFIX", env.str("CACHE_PREFIX", default="mb"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Pub/sub channels ignore the Redis database number: without a prefix of its
            # own, every deployment (or test run) on one Redis server hears the others'
            # broadcasts, "close account 21's sockets" included.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CACHE_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "mealbuddy.core.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["mealbuddy.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "groupbuys:board"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)
# --- Sessions, log-in and write throttles (accounts) --------------------------------------
# Failed logins allowed per (email, client address) and, much higher so that one NAT or proxy
# is not locked out by a few typos, per client address, in LOGIN_THROTTLE_WINDOW seconds.
# Every login door counts here: the pages, both APIs and /admin/login/. The counters live in
# the cache, shared by every process when REDIS_URL is set.
LOGIN_THROTTLE_LIMIT = env.int("LOGIN_THROTTLE_LIMIT", default=5)
LOGIN_THROTTLE_IP_LIMIT = env.int("LOGIN_THROTTLE_IP_LIMIT", default=50)
LOGIN_THROTTLE_WINDOW = env.int("LOGIN_THROTTLE_WINDOW", default=300)
# Write limits by scope (mealbuddy/accounts/throttling.py): per signed-in user and per client
# address, "count/second|minute|hour|day". A view names its scope with `throttle_scope`.
# The env variables override single scopes: API_THROTTLE_RATES="post=10/hour,join=30/hour".
# Defaults are generous: they stop scripts, not people (nor the test suite).
API_THROTTLE_RATES = {
    "post": "30/hour",
    "join": "120/hour",
    "item": "300/hour",
    "chat": "600/hour",
    "report": "30/hour",
    **env.dict("API_THROTTLE_RATES", default={}),
}
API_THROTTLE_IP_RATES = {
    "signup": "60/hour",
    "post": "120/hour",
    "join": "600/hour",
    "item": "1200/hour",
    "chat": "3000/hour",
    "report": "120/hour",
    **env.dict("API_THROTTLE_IP_RATES", default={}),
}
# How many proxies in front of the app append to X-Forwarded-For (0: ignore the header).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mealbuddy.accounts.authentication.TokenJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "mealbuddy.core.api.exception_handler",
    # Writes only, for views that name a `throttle_scope` (accounts.throttling).
    "DEFAULT_THROTTLE_CLASSES": [
        "mealbuddy.accounts.throttling.WriteUserThrottle",
        "mealbuddy.accounts.throttling.WriteAddressThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": __import__("datetime").timedelta(
        minutes=env.int("JWT_ACCESS_MINUTES", default=30)
    ),
    "REFRESH_TOKEN_LIFETIME": __import__("datetime").timedelta(
        days=env.int("JWT_REFRESH_DAYS", default=14)
    ),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("token", "Bearer"),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Mealbuddy API",
    "DESCRIPTION": "밀버디 — 이웃과 배달 주문을 모아 배달비를 나누는 서비스의 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The 14 food categories appear in posts, group orders and profiles: one enum name.
    "ENUM_NAME_OVERRIDES": {"FoodCategoryEnum": "mealbuddy.groupbuys.models.CATEGORIES"},
}

# --- Locale -----------------------------------------------------------------------------
LANGUAGE_CODE = "ko-kr"
LANGUAGES = [("ko", "한국어")]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# DEBUG serves static files straight from the sources; production serves what
# collectstatic (run by `manage.py serve`) put into STATIC_ROOT, under hashed names.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security (production: DEBUG=0) -------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS=0 turns off what only works behind TLS (SSL redirect, HSTS, Secure cookies) so a
# production-mode server on a plain-HTTP loopback address (`make run`) still works; a real
# deployment (DEBUG=0 behind TLS) keeps the default and passes `check --deploy`.
HTTPS = env.bool("HTTPS", default=not DEBUG)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if HTTPS:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Production mode: error pages, CSP, launcher checks -----------------------------------
# Error views answer JSON under /api/ and Korean pages elsewhere (mealbuddy.core.errorviews).
CSRF_FAILURE_VIEW = "mealbuddy.core.errorviews.csrf_failure"
# Processes `manage.py serve` starts; WORKERS>1 requires REDIS_URL and an explicit SECRET_KEY
# (mealbuddy.core.checks), since chat, tickets, throttles and sessions must be shared.
WORKERS = env.int("WORKERS", default=1)
# Everything the pages load comes from this origin: no inline scripts, styles or handlers
# (htmx's indicator style is switched off in base.html and lives in app.css). 'self' in
# connect-src covers ws:/wss: to the same host (CSP level 3), which the chat sockets use.
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Debug mode only reports violations (the browser console still shows them): Django's own
# debug pages are built from inline scripts and styles.
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# --- Deployment (issue 9): uploaded files, request logs, error reporting ------------------------
# Uploads (avatars; later receipts and photos) go to S3-compatible storage when S3_BUCKET is
# set (AWS, MinIO, R2…; django-storages + boto3), else under MEDIA_ROOT. Code reaches them
# only through STORAGES["default"]. Without a custom domain the bucket stays private and
# pages get presigned URLs (valid an hour); with S3_CUSTOM_DOMAIN (a CDN or a public bucket)
# they get plain URLs on that domain.
S3_BUCKET = env.str("S3_BUCKET", default="")
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")
S3_REGION = env.str("S3_REGION", default="")
S3_CUSTOM_DOMAIN = env.str("S3_CUSTOM_DOMAIN", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            # Unset: boto3's usual chain (instance role, AWS_* variables, ~/.aws).
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": S3_REGION or None,
            "custom_domain": S3_CUSTOM_DOMAIN or None,
            # Self-hosted S3 (MinIO, Ceph, moto) answers on one host: bucket in the path.
            "addressing_style": "path" if S3_ENDPOINT_URL else None,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
    # The pages show those images: let the CSP load them from where they are served.
    if S3_CUSTOM_DOMAIN:
        _media_origins = [f"https://{S3_CUSTOM_DOMAIN}"]
    elif S3_ENDPOINT_URL:
        _endpoint = urlsplit(S3_ENDPOINT_URL)
        _media_origins = [f"{_endpoint.scheme}://{_endpoint.netloc}"]
    else:
        _media_origins = [f"https://{S3_BUCKET}.s3.amazonaws.com"] + (
            [f"https://{S3_BUCKET}.s3.{S3_REGION}.amazonaws.com"] if S3_REGION else []
        )
    _CSP["DIRECTIVES"]["img-src"] += _media_origins
# Local uploads in production are served by the reverse proxy from the shared volume
# (deploy/Caddyfile), never by Django. SERVE_MEDIA=1 lets Django serve them (a small
# read-only view: `make run` on one machine, and DEBUG); with S3 there is nothing local.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG) and not S3_BUCKET

# One line per HTTP request and per socket session (mealbuddy.core.requestlog), every record
# stamped with its request id. LOG_FORMAT=json (the container image's default) writes one
# JSON object per line; text (the default) stays readable in a terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=True)
MIDDLEWARE.insert(0, "mealbuddy.core.requestlog.RequestLogMiddleware")

# Error reporting to Sentry (or anything that speaks its protocol, e.g. GlitchTip): off unless
# SENTRY_DSN is set. No personal data is sent; query values, cookies and auth headers are
# dropped (mealbuddy.core.errorreport).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
if SENTRY_DSN:
    from mealbuddy.core.errorreport import error_reporting_init

    error_reporting_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)

# --- Integrations (all off or offline by default) ------------------------------------------
KMA_SERVICE_KEY = env.str("KMA_SERVICE_KEY", default="")
KMA_BASE_URL = env.str(
    "KMA_BASE_URL", default="https://apis.data.go.kr/1360000/VilageFcstInfoService_2.0"
)
OPEN_METEO_URL = env.str("OPEN_METEO_URL", default="https://api.open-meteo.com/v1/forecast")
# Comma-separated, tried in order: kma, openmeteo. Empty: weather shows as unavailable.
WEATHER_PROVIDERS = env.list("WEATHER_PROVIDERS", default=["openmeteo"])
WEATHER_TIMEOUT = env.float("WEATHER_TIMEOUT", default=3.0)
LLM_BASE_URL = env.str("LLM_BASE_URL", default="")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="gpt-4o-mini")
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=8.0)
LLM_DAILY_LIMIT = env.int("LLM_DAILY_LIMIT", default=10)

# --- Sockets: per-user budgets shared by every process (issue 8, "Sockets") ---------------
# Chat flood control: one token bucket per user across all their sockets and the REST post
# (in Redis when REDIS_URL is set, so every process counts together; see core/limits.py).
CHAT_BURST = env.int("CHAT_BURST", default=20)
CHAT_RATE_PER_SECOND = env.float("CHAT_RATE_PER_SECOND", default=5.0)
# Open sockets (chat + notifications) one user may hold at once; more are closed with 4029.
WS_MAX_SOCKETS_PER_USER = env.int("WS_MAX_SOCKETS_PER_USER", default=20)
# Seconds a socket's slot is leased for; open sockets renew it every third of that, so the
# slots of a process that died free themselves after at most this long.
WS_SOCKET_SLOT_TTL = env.float("WS_SOCKET_SLOT_TTL", default=60.0)
# Seconds a broadcast may wait for the channel layer before it is logged and given up.
BROADCAST_TIMEOUT = env.float("BROADCAST_TIMEOUT", default=2.0)
# --- end Sockets ---------------------------------------------------------------------------

# Django configures logging after uvicorn did, so this also puts the query-string redaction
# (no ?token= or ?ticket= in logs) on uvicorn's own loggers.
LOGGING_CONFIG = "mealbuddy.core.logs.configure_logging"
# --- Background jobs (issue 9: the job runner) -------------------------------------------------
# django-tasks (the Django 6 tasks API) with django-tasks-db: tasks are rows in our own
# database, so the embedded default needs no broker, and on PostgreSQL several workers claim
# rows with SELECT ... FOR UPDATE SKIP LOCKED. TASKS_BACKEND=immediate runs every task inside
# its caller (the test suite does, so a request shows its notifications at once).
INSTALLED_APPS += ["django_tasks", "django_tasks_db", "mealbuddy.jobs"]
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[env.str("TASKS_BACKEND", default="database")],
        "QUEUES": ["default"],
    }
}
# The scheduler enqueues every periodic job once per tick (a lease row per job and tick).
JOBS_TICK_SECONDS = env.int("JOBS_TICK_SECONDS", default=60)
# Finished task rows and tick leases older than this are pruned (hourly job).
JOBS_KEEP_DAYS = env.int("JOBS_KEEP_DAYS", default=7)
# A task still "running" after this long lost its worker (killed, machine gone): run it again.
# Every task here is idempotent, so a second run does no harm.
JOBS_STALE_MINUTES = env.int("JOBS_STALE_MINUTES", default=15)
# Warm the weather cache for regions with recruiting orders. Only a shared cache (Redis)
# lets the web processes read what the worker fetched, so it is on with REDIS_URL.
WEATHER_WARM = env.bool("WEATHER_WARM", default=bool(REDIS_URL))

LOGGING = logging_config(
    level=env.str("LOG_LEVEL", default="WARNING"), log_format=LOG_FORMAT, log_requests=LOG_REQUESTS
)

# --- Untrusted input (issue 8: bad input never causes a 500) ------------------------------
# NUL, lone surrogates and oversized form bodies are refused before any view runs; JSON bodies
# go through a parser that keeps DATA_UPLOAD_MAX_MEMORY_SIZE (DRF's own reads past it), caps
# nesting and refuses the same characters. See mealbuddy/core/input.py.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "mealbuddy.core.input.InputGuardMiddleware",
)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "mealbuddy.core.input.JSONBodyParser" if name == "rest_framework.parsers.JSONParser" else name
    for name in REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]
]

# --- Web Push (issue 9: push notifications) ----------------------------------------------------
# VAPID keys sign every push (the browser ties a subscription to the public key). Unset, a
# P-256 key is generated once into the ignored file .vapid_key, like .secret_key; several
# machines must share one key pair, so WORKERS>1 refuses a generated one (mealbuddy.core.checks).
# Keys are base64url: the private key's raw 32 bytes, the public key's uncompressed point.


def _b64url(raw: bytes) -> str:
    from base64 import urlsafe_b64encode

    return urlsafe_b64encode(raw).rstrip(b"=").decode()


def _local_vapid_private_key() -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    path = BASE_DIR / ".vapid_key"
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        path.write_text(_b64url(key.private_numbers().private_value.to_bytes(32, "big")))
        path.chmod(0o600)
    return path.read_text().strip()


def _vapid_public_key(private: str) -> str:
    from base64 import urlsafe_b64decode

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    value = int.from_bytes(urlsafe_b64decode(private + "=" * (-len(private) % 4)), "big")
    point = (
        ec.derive_private_key(value, ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return _b64url(point)


VAPID_KEYS_GENERATED = not env.str("VAPID_PRIVATE_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="") or _local_vapid_private_key()
# The public key follows from the private one; setting it too is allowed (it must match).
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="") or _vapid_public_key(VAPID_PRIVATE_KEY)
# The "sub" claim push services contact when our pushes misbehave (mailto: or https:).
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:admin@mealbuddy.kr")
# Subscription endpoints must be https; plain http is accepted only for these hosts (the
# tests' fake push service on 127.0.0.1). Empty in production.
PUSH_HTTP_HOSTS = env.list("PUSH_HTTP_HOSTS", default=[])
# Seconds to wait for the push service; a timeout or a 5xx is retried with back-off
# (PUSH_RETRY_SECONDS doubled each time) at most PUSH_MAX_ATTEMPTS times in all.
PUSH_TIMEOUT = env.float("PUSH_TIMEOUT", default=10.0)
PUSH_MAX_ATTEMPTS = env.int("PUSH_MAX_ATTEMPTS", default=5)
PUSH_RETRY_SECONDS = env.int("PUSH_RETRY_SECONDS", default=30)
# Other 4xx answers count as failures; a subscription is dropped after this many in a row.
PUSH_MAX_FAILURES = env.int("PUSH_MAX_FAILURES", default=3)
# "Chat message while away": a member is pushed about a room whose messages they have left
# unread for this many minutes (at most once until they read the room again).
PUSH_CHAT_AWAY_MINUTES = env.int("PUSH_CHAT_AWAY_MINUTES", default=5)
# One name for the push kinds wherever the API schema shows them.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["PushKindEnum"] = (
    "mealbuddy.notifications.models.PushKind"
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ChatMessageKindEnum"] = (
    "mealbuddy.chat.models.Message.Kind"
)

# --- Production topology (issue 9: "Production topology, measured") ----------------------------
# The server `manage.py serve` starts: uvicorn (config.asgi: HTTP and WebSockets, the default
# and `make run`) or gunicorn (config.wsgi, threaded workers, HTTP only; the proxy sends /ws/
# to a uvicorn beside it). gunicorn needs REDIS_URL (mealbuddy.E004): the two server kinds
# are separate processes that share chat, tickets and throttles only through Redis.
SERVER = env.str("SERVER", default="uvicorn")
if SERVER not in ("uvicorn", "gunicorn"):
    raise ImproperlyConfigured(f"SERVER must be uvicorn or gunicorn, not {SERVER!r}")
# Threads per gunicorn worker process. Each holds a pooled PostgreSQL connection only while
# it serves a request, so WORKERS × SERVER_THREADS stays under DB_POOL_MAX × WORKERS.
SERVER_THREADS = env.int("SERVER_THREADS", default=4)
# --- end Production topology --------------------------------------------------------------------

# --- Wallet (issue 10: the ledger) ---------------------------------------------------------
# Double-entry ledger in integer won (mealbuddy/wallet). WALLET_ESCROW_FINISHED is the dotted
# path of a function (references -> the finished ones) that lets `manage.py wallet_check` flag
# escrow still holding money for a finished order; group orders provide it. Empty: skipped.
INSTALLED_APPS += ["mealbuddy.wallet"]
WALLET_ESCROW_FINISHED = env.str("WALLET_ESCROW_FINISHED", default="")
# --- end Wallet ------------------------------------------------------------------------------

# --- Wallet: payment providers (issue 10, top-up and withdrawal) ---------------------------
# "test" (embedded default, no network: outcomes on demand, see wallet/providers/testing.py)
# or "toss" (Toss Payments: the secret key authenticates server calls, the client key is
# handed to the browser's payment widget).
WALLET_PROVIDER = env.str("WALLET_PROVIDER", default="test")
TOSS_SECRET_KEY = env.str("TOSS_SECRET_KEY", default="")
TOSS_CLIENT_KEY = env.str("TOSS_CLIENT_KEY", default="")
TOSS_BASE_URL = env.str("TOSS_BASE_URL", default="https://api.tosspayments.com")
# Seconds: a confirm that times out leaves the top-up "requested", to be retried.
TOSS_TIMEOUT = env.float("TOSS_TIMEOUT", default=10.0)
TOSS_CONNECT_TIMEOUT = env.float("TOSS_CONNECT_TIMEOUT", default=3.0)
# Won per top-up and per withdrawal.
WALLET_TOPUP_MIN = env.int("WALLET_TOPUP_MIN", default=1_000)
WALLET_TOPUP_MAX = env.int("WALLET_TOPUP_MAX", default=1_000_000)
# Write limits for the wallet's POSTs (scope "wallet"; the webhook counts per address under
# "wallet_webhook", generous because Toss retries from a few addresses).
API_THROTTLE_RATES = {"wallet": "120/hour", **API_THROTTLE_RATES}
API_THROTTLE_IP_RATES = {
    "wallet": "600/hour",
    "wallet_webhook": "6000/hour",
    **API_THROTTLE_IP_RATES,
}
# --- end Wallet: payment providers ---------------------------------------------------------

# --- Group orders' money: escrow, settlement and handoff (issue 10) -------------------------
# `manage.py wallet_check` asks group orders which escrow accounts belong to finished orders.
WALLET_ESCROW_FINISHED = WALLET_ESCROW_FINISHED or "mealbuddy.groupbuys.selectors.escrow_finished"
# Points paid on a delivered prepaid order: this percent of what each member paid (floor).
WALLET_POINTS_PERCENT = env.int("WALLET_POINTS_PERCENT", default=1)
# A prepaid order past its deadline that the host has not placed within this many minutes is
# cancelled and every hold refunded (one short of its minimum order is cancelled at once).
GROUPBUYS_PLACE_GRACE_MINUTES = env.int("GROUPBUYS_PLACE_GRACE_MINUTES", default=120)
# The host may report a no-show this long after "도착했어요"; the member then has
# GROUPBUYS_DISPUTE_HOURS to dispute before the deposit goes to the host.
GROUPBUYS_NOSHOW_AFTER_MINUTES = env.int("GROUPBUYS_NOSHOW_AFTER_MINUTES", default=30)
GROUPBUYS_DISPUTE_HOURS = env.int("GROUPBUYS_DISPUTE_HOURS", default=24)
# A member who neither taps "받았어요" nor is reported within this many hours of the order
# being placed counts as having received it (their deposit comes back).
GROUPBUYS_HANDOFF_AUTO_HOURS = env.int("GROUPBUYS_HANDOFF_AUTO_HOURS", default=12)
# "직접 정산": unpaid members are reminded this many minutes after ordering, then daily.
GROUPBUYS_SETTLE_REMIND_MINUTES = env.int("GROUPBUYS_SETTLE_REMIND_MINUTES", default=60)
# --- end Group orders' money ---------------------------------------------------------------


# Trust between neighbours (mealbuddy/trust): 동네인증, reviews and 매너 점수, blocks, reports,
# moderation.
INSTALLED_APPS += ["mealbuddy.trust"]
# How long a 동네인증 lasts, and how far outside the 동's border a position may be.
TRUST_VERIFY_DAYS = env.int("TRUST_VERIFY_DAYS", default=30)
TRUST_VERIFY_TOLERANCE_M = env.int("TRUST_VERIFY_TOLERANCE_M", default=300)
# Days after an order ends during which its members may rate each other.
TRUST_REVIEW_DAYS = env.int("TRUST_REVIEW_DAYS", default=7)
# --- 동네인증 (trust/verification.py) ---
# Attempts from 동 farther apart than TRUST_VERIFY_MAX_SPEED_KMH allows (and at least
# TRUST_VERIFY_JUMP_MIN_KM, for neighbouring 동 seen from their border) within the window
# are refused as a jump. Each person may try TRUST_VERIFY_BURST times per refill period.
TRUST_VERIFY_JUMP_WINDOW_MINUTES = env.int("TRUST_VERIFY_JUMP_WINDOW_MINUTES", default=60)
TRUST_VERIFY_MAX_SPEED_KMH = env.int("TRUST_VERIFY_MAX_SPEED_KMH", default=150)
TRUST_VERIFY_JUMP_MIN_KM = env.int("TRUST_VERIFY_JUMP_MIN_KM", default=5)
TRUST_VERIFY_BURST = env.int("TRUST_VERIFY_BURST", default=5)
TRUST_VERIFY_REFILL_MINUTES = env.int("TRUST_VERIFY_REFILL_MINUTES", default=10)
# 후기 (trust/reviews.py): 노쇼 tags from this many different orders within this many days
# put the person in the moderation queue (an automatic report).
TRUST_NOSHOW_FLAG_ORDERS = env.int("TRUST_NOSHOW_FLAG_ORDERS", default=3)
TRUST_NOSHOW_FLAG_DAYS = env.int("TRUST_NOSHOW_FLAG_DAYS", default=30)
# --- 관리 (moderation): the longest suspension a staff member may give, in days.
TRUST_SUSPEND_MAX_DAYS = env.int("TRUST_SUSPEND_MAX_DAYS", default=365)
# 차단 · 신고 (block/report part): new reports per person, at once and per hour after that,
# and how many earlier chat lines a message report keeps for context.
TRUST_REPORT_BURST = env.int("TRUST_REPORT_BURST", default=5)
TRUST_REPORTS_PER_HOUR = env.int("TRUST_REPORTS_PER_HOUR", default=20)
TRUST_REPORT_CONTEXT_MESSAGES = env.int("TRUST_REPORT_CONTEXT_MESSAGES", default=5)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ReportTargetEnum": "mealbuddy.trust.models.Report.Target",
        "ReportReasonEnum": "mealbuddy.trust.models.Report.Reason",
    }
)


# Social login (issue 13) ------------------------------------------------------------------------
# Kakao, Naver and Google through django-allauth's providers (mealbuddy/accounts/social*.py).
# Our own pages and flow drive them: allauth's `account` views are never routed, its models hold
# the linked accounts (socialaccount.SocialAccount). A provider is on only when its keys are set;
# without them it is neither shown nor reachable. Kakao's secret is optional (the "Client Secret"
# switch in the Kakao console); Naver and Google always need one.
INSTALLED_APPS += ["allauth", "allauth.account", "allauth.socialaccount"]
INSTALLED_APPS += [
    f"allauth.socialaccount.providers.{name}" for name in ("kakao", "naver", "google")
]
MIDDLEWARE.append("allauth.account.middleware.AccountMiddleware")
# (client id, secret) per provider, from the console of each: Kakao's REST API key and its
# optional client secret; Naver's Client ID and Secret; Google's OAuth client (web application).
_SOCIAL_KEYS = {
    "kakao": (
        env.str("SOCIAL_KAKAO_CLIENT_ID", default=""),
        env.str("SOCIAL_KAKAO_SECRET", default=""),
    ),
    "naver": (
        env.str("SOCIAL_NAVER_CLIENT_ID", default=""),
        env.str("SOCIAL_NAVER_SECRET", default=""),
    ),
    "google": (
        env.str("SOCIAL_GOOGLE_CLIENT_ID", default=""),
        env.str("SOCIAL_GOOGLE_SECRET", default=""),
    ),
}
_SOCIAL_SCOPES = {
    "kakao": ["profile_nickname", "account_email"],
    "naver": [],
    "google": ["openid", "email", "profile"],
}
SOCIALACCOUNT_PROVIDERS: dict = {}
for _provider, (_client_id, _secret) in _SOCIAL_KEYS.items():
    if _client_id and (_secret or _provider == "kakao"):
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APP": {"client_id": _client_id, "secret": _secret, "key": ""},
            "SCOPE": _SOCIAL_SCOPES[_provider],
        }
# Where each provider answers; tests point these at a fake on 127.0.0.1. A JSON object in the
# environment overrides single endpoints: {"kakao": {"token": "http://127.0.0.1:8001/..."}}.
SOCIAL_PROVIDER_URLS = {
    "kakao": {
        "authorize": "https://kauth.kakao.com/oauth/authorize",
        "token": "https://kauth.kakao.com/oauth/token",
        "profile": "https://kapi.kakao.com/v2/user/me",
    },
    "naver": {
        "authorize": "https://nid.naver.com/oauth2.0/authorize",
        "token": "https://nid.naver.com/oauth2.0/token",
        "profile": "https://openapi.naver.com/v1/nid/me",
    },
    "google": {
        "authorize": "https://accounts.google.com/o/oauth2/v2/auth",
        "token": "https://oauth2.googleapis.com/token",
        "profile": "https://openidconnect.googleapis.com/v1/userinfo",
        "jwks": "https://www.googleapis.com/oauth2/v3/certs",
        "issuer": "https://accounts.google.com",
    },
}
for _provider, _urls in env.json("SOCIAL_PROVIDER_URLS", default={}).items():
    SOCIAL_PROVIDER_URLS.setdefault(_provider, {}).update(_urls)
# Seconds to wait for a provider's token and profile endpoints.
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SOCIAL_TIMEOUT", default=5)
# allauth's account app is required by socialaccount; it is set up to match our own accounts
# (log in by email, a unique nickname in `username`, no e-mail confirmation) and its adapters
# send anything that would reach its pages to ours.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "mealbuddy.accounts.social_adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "mealbuddy.accounts.social_adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # linking by e-mail needs the password first
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_STORE_TOKENS = False
# Provider log-ins through the API: a few per minute per address is plenty for people.
API_THROTTLE_IP_RATES = {"social": "120/hour", **API_THROTTLE_IP_RATES}
# The "…로 시작하기" buttons POST to us and we redirect to the provider: a form's redirect is
# held to form-action, so the switched-on providers' consent pages are allowed there.
for _provider in SOCIALACCOUNT_PROVIDERS:
    _authorize = urlsplit(SOCIAL_PROVIDER_URLS[_provider]["authorize"])
    _origin = f"{_authorize.scheme}://{_authorize.netloc}"
    if _origin not in _CSP["DIRECTIVES"]["form-action"]:
        _CSP["DIRECTIVES"]["form-action"].append(_origin)
# --- 동네생활 (issue 13) -----------------------------------------------------------------------
# The neighbourhood board (mealbuddy/community): posts, photos, comments, likes. Writes are
# limited like group orders' ("community" for posts and photos, "comment" for comments).
INSTALLED_APPS += ["mealbuddy.community"]
API_THROTTLE_RATES = {"community": "30/hour", "comment": "300/hour", **API_THROTTLE_RATES}
API_THROTTLE_IP_RATES = {"community": "120/hour", "comment": "1200/hour", **API_THROTTLE_IP_RATES}
# --- Saved alerts and weather nudges (issue 14) -------------------------------------------
# "치킨 모집 뜨면 알려줘" (mealbuddy/alerts): saved alerts per person, notices per person and
# KST day, and how far back an order counts as "ordered this category recently" for a nudge.
INSTALLED_APPS += ["mealbuddy.alerts"]
ALERTS_MAX_PER_USER = env.int("ALERTS_MAX_PER_USER", default=10)
ALERTS_DAILY_CAP = env.int("ALERTS_DAILY_CAP", default=5)
# A rush of orders opening at once (100+ per connection) is matched on up to this many
# PostgreSQL connections at once, one transaction each (alerts.services.alerts_match).
ALERTS_MATCH_CONNECTIONS = env.int("ALERTS_MATCH_CONNECTIONS", default=2)
NUDGE_RECENT_DAYS = env.int("NUDGE_RECENT_DAYS", default=30)
# --- Recurring group orders (issue 14) -----------------------------------------------------
# "금요일 치킨 열차" (mealbuddy/series): the tick (series.tick, every minute) opens each due
# occurrence; subscribers are joined by a task through the join service.
INSTALLED_APPS += ["mealbuddy.series"]
