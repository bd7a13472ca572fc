"""Database URL parsing shared by settings and scripts (no settings side effects)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import environ


def database_config(url: str) -> dict[str, Any]:
    """Django's DATABASES entry for a URL; a percent-encoded host is a Unix socket directory."""
    config: dict[str, Any] = dict(environ.Env.db_url_config(url))
    host = urlsplit(url).netloc.rsplit("@", 1)[-1]
    if host.upper().startswith("%2F"):
        config["HOST"], config["PORT"] = unquote(host), ""
    return config
