"""Receivers for the enrolments app's records (enrolments cannot import payments)."""

from __future__ import annotations

from typing import Any

from core.jobs import enqueue_on_commit
from enrolments.models import Refund


def refund_owed(
    sender: type[Refund],  # noqa: ARG001 (Django passes the sender by name)
    *,
    instance: Refund,
    created: bool,
    **kwargs: Any,
) -> None:
    """A refund owed to a learner is sent to their card after the owing transaction commits."""
    if created and instance.status == Refund.Status.PENDING:
        from payments.tasks import send_refund

        enqueue_on_commit(send_refund, instance.pk)
