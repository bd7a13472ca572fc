"""Telling learners when something outside their control changes their enrolment.

Receivers run inside the deciding transaction and only enqueue; the emails go out after
commit from Celery tasks (enrolments/tasks.py).
"""

from __future__ import annotations

from typing import Any

from core.jobs import enqueue_on_commit
from providers.models import Provider


def on_provider_status_changed(
    sender: object,  # noqa: ARG001 (Django passes the sender by name)
    *,
    provider: Provider,
    from_status: str,
    reason: str,
    **kwargs: Any,
) -> None:
    """Receiver of `providers.signals.provider_status_changed`: a provider frozen (suspended,
    delisted) or reinstated is news for every learner with money held on its cohorts."""
    frozen_now = provider.status != Provider.Status.APPROVED
    was_frozen = from_status != Provider.Status.APPROVED
    if frozen_now == was_frozen:
        return
    from enrolments.tasks import notify_provider_status

    enqueue_on_commit(notify_provider_status, provider.pk, provider.status, reason)
