"""Point the Celery app at another broker for the duration of a test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from config.celery_app import app

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def _forget_connections() -> None:
    # The app keeps a pool of broker connections made from the URL it first used.
    app._pool = None  # noqa: SLF001
    app.amqp._producer_pool = None  # noqa: SLF001


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Tasks go to `url` (not run inline) inside the block; as before afterwards."""
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=url, task_always_eager=False)
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(**saved)
        _forget_connections()
