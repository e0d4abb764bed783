"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path

from config.urls import *  # noqa: F403 - the handlers (handler404, handler500, …) too
from config.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("a bug")


def denied(request):
    raise PermissionDenied


def form(request):
    return HttpResponse("ok")


urlpatterns = [
    path("boom/", boom),
    path("api/boom/", boom),
    path("api/form/", form),
    path("form/", form),
    path("api/denied/", denied),
    path("denied/", denied),
    *project_urlpatterns,
]
