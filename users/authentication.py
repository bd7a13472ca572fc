"""DRF authentication with allauth's app session token (`X-Session-Token`)."""

from __future__ import annotations

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from rest_framework.request import Request


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's `X-Session-Token`, answering 401 (not 403) when credentials are missing."""

    def authenticate_header(self, request: Request) -> str:
        return 'X-Session-Token realm="api"'
