"""Enqueue Celery tasks after the surrounding transaction commits (inline without Redis)."""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits; never for a rolled-back one.

    Without a broker (local development, `CELERY_TASK_ALWAYS_EAGER`) the task runs inline
    at commit, so side effects still never happen under a lock or before the data is there.
    """
    transaction.on_commit(lambda: task.delay(*args, **kwargs))
