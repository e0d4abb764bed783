"""Production settings plus views that fail on purpose (tests/error_urls.py), for servers
started by the error-reporting test."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.error_urls"
