"""Django's HTTP handler for ASGI, with the middleware chain run in one thread hop.

Django's own ASGIHandler runs the chain in async mode. Every ``MiddlewareMixin``
middleware (sessions, CSRF, auth, messages, locale, WhiteNoise…) is sync at heart, so in
async mode each of its hooks hops to a worker thread and back, and a sync view hops again:
a dozen-odd thread switches per request, which cost more CPU here than the view itself.
This handler builds the chain in sync mode — middlewares and view run straight through,
as under WSGI — and enters it with one ``sync_to_async`` call. Everything stays
thread-sensitive, so the request's database connection is the one the request-started
and request-finished signals open and close.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)
