"""Background tasks after commit, never lost: the outbox.

`enqueue_on_commit` writes the task into `core.OutboxTask` inside the caller's transaction,
and sends it to the broker once that transaction commits. If the broker (Redis) is down, the
request still succeeds and the row stays; the periodic sweeper `core.deliver_outbox` sends
it when the broker is back. A rolled-back transaction takes its row with it, so a task is
never sent for a change that did not happen.

Without a broker (local development, tests: `CELERY_TASK_ALWAYS_EAGER`) the task runs inline
at commit, so side effects still never happen under a lock or before the data is there.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import Task, current_app
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.models import OutboxTask

logger = logging.getLogger(__name__)

# How long a sender owns a row it claimed; after that another sender may try it again.
CLAIM_FOR = dt.timedelta(minutes=5)
# The sweeper leaves younger rows to the after-commit send that is about to happen.
SWEEP_AFTER = dt.timedelta(seconds=30)
SWEEP_BATCH = 500


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits; never for a rolled-back one."""
    if task.app.conf.task_always_eager:
        transaction.on_commit(lambda: task.delay(*args, **kwargs))
        return
    row = OutboxTask.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: outbox_send(row.pk))


def outbox_send(pk: int) -> bool:
    """Claim outbox row `pk` and send it to the broker; True when it was sent (and deleted).

    Never raises: a broker that is down leaves the row for the sweeper, with the error.
    """
    now = timezone.now()
    claimable = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    if not OutboxTask.objects.filter(claimable, pk=pk).update(claimed_until=now + CLAIM_FOR):
        return False  # sent already, or another sender has it
    row = OutboxTask.objects.get(pk=pk)
    try:
        current_app.send_task(row.task_name, args=row.args, kwargs=row.kwargs, retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure: keep the row, try later
        logger.warning("outbox: %s not sent (%s); the sweeper will retry", row, exc)
        OutboxTask.objects.filter(pk=pk).update(
            attempts=row.attempts + 1, last_error=str(exc)[:1000], claimed_until=None
        )
        return False
    OutboxTask.objects.filter(pk=pk).delete()
    return True


def outbox_deliver(*, older_than: dt.timedelta = SWEEP_AFTER) -> int:
    """Send every unclaimed outbox row older than `older_than`; the number sent."""
    cutoff = timezone.now() - older_than
    pending = OutboxTask.objects.filter(created_at__lte=cutoff).values_list("pk", flat=True)
    return sum(outbox_send(pk) for pk in list(pending[:SWEEP_BATCH]))
