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
        # The directory is percent-encoded, so a bare ':' can only start the port, which
        # names the socket file in it (`.s.PGSQL.<port>`).
        encoded, colon, port = host.partition(":")
        config["HOST"], config["PORT"] = unquote(encoded), port if colon else ""
    return config


POOL_MODES = ("session", "transaction")


def apply_pool_mode(config: dict[str, Any], mode: str) -> dict[str, Any]:
    """Adjust a DATABASES entry for the pooler in front of PostgreSQL.

    `transaction` (PgBouncer's transaction pooling: a server connection per transaction, not
    per client) rules out what lives in a session between transactions: named server-side
    cursors (`QuerySet.iterator()` across statements) and prepared statements, so both are
    turned off (`prepare_threshold=None`; Django's psycopg binds parameters client-side by
    default). `session` (or no pooler) leaves the entry as it is.
    """
    if mode not in POOL_MODES:
        raise ValueError(f"DATABASE_POOL_MODE must be one of {', '.join(POOL_MODES)}: {mode!r}")
    if mode == "transaction":
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
        config["OPTIONS"] = {
            **config.get("OPTIONS", {}),
            "prepare_threshold": None,
            "server_side_binding": False,
        }
    return config
