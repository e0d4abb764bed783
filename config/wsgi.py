"""The WSGI application: HTTP only, for a threaded WSGI server (gunicorn, gthread workers).

Plain HTTP costs much less CPU per request here than through an ASGI server, which has to
hop every sync view onto a thread and back (README "Performance" has the figures). WebSockets
(/ws/) are not WSGI: the proxy sends them to uvicorn running config.asgi, and the two server
kinds meet only through Redis (channel layer, cache), so a split deployment needs REDIS_URL
(mealbuddy.core.checks, E004).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
