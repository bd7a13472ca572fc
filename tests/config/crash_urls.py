"""The project's URLs plus one view under /api/ that crashes (a bug, not bad input)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("api/v1/crash", crash), *project_urlpatterns]
