# syntax=docker/dockerfile:1
# Mealbuddy's production image. compose.yaml runs it as `web`, `worker`, `scheduler` and the
# one-shot `migrate`; alone: docker run -e SECRET_KEY=… -e ALLOWED_HOSTS=… -e DATABASE_URL=… …
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=0 \
    LOG_FORMAT=json \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

RUN groupadd --system --gid 10001 mealbuddy \
    && useradd --system --uid 10001 --gid mealbuddy --home-dir /app --shell /usr/sbin/nologin mealbuddy

WORKDIR /app

# Dependencies first, read from pyproject.toml alone: this layer is rebuilt only when they change.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code belongs to root (the app cannot rewrite itself); the app owns only what it writes:
# the collected static files (`manage.py serve` refreshes them at start) and local uploads.
COPY . .
RUN mkdir -p /app/staticfiles /app/media \
    && chown mealbuddy:mealbuddy /app/staticfiles /app/media

USER mealbuddy

# Static files are collected at build (hashed, compressed names, served by WhiteNoise). The key
# here exists for this one step only; a container must be given its own SECRET_KEY.
# Likewise a throwaway VAPID key (the scalar 1), so no .vapid_key is generated into the image.
RUN SECRET_KEY=build-only-collectstatic-key VAPID_PRIVATE_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE \
    python manage.py collectstatic --noinput --verbosity 0

EXPOSE 8000

# No curl in a slim image: Python asks /healthz (database and Redis reachable), with a Host
# header from ALLOWED_HOSTS so that host validation lets the probe through.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.').replace('*', 'localhost'); r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"

# `manage.py serve` runs the deployment checks (refusing a configuration that would break
# silently), refreshes the static files, then becomes uvicorn (WORKERS processes): alone, the
# image serves HTTP and WebSockets. compose.yaml runs `web` with `--server gunicorn` (HTTP,
# cheaper per request) and `ws` with this default for /ws/.
CMD ["python", "manage.py", "serve", "--host", "0.0.0.0", "--port", "8000"]
