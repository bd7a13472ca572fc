"""Project-level tasks: a ping that proves the broker and a worker are wired."""

from celery import shared_task


@shared_task(name="config.ping")
def ping(payload: str = "pong") -> str:
    return payload
