"""API paths answer with or without a trailing slash.

The API's paths have no trailing slash (`/api/v1/repayments/calculate`), and the OpenAPI
document lists them so. Clients written from prose, or by habit from other DRF services, add
one (`/api/v1/repayments/calculate/`); a redirect would lose a POST's body, so the request is
routed to the unslashed path instead, when that path exists. Anything else is untouched and
gets the usual 404.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

API_PREFIX = "/api/"


class ApiTrailingSlashMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(API_PREFIX) and path.endswith("/") and len(path) > len(API_PREFIX):
            unslashed = path.rstrip("/")
            if not _resolves(path) and _resolves(unslashed):
                request.path_info = unslashed
                request.path = request.path[: len(request.path) - (len(path) - len(unslashed))]
        return self.get_response(request)


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True
