"""Periodic housekeeping of shared records (thin: the work is in core/idempotency.py and
core/jobs.py)."""

from celery import shared_task

from core.idempotency import idempotency_records_expire
from core.jobs import outbox_deliver


@shared_task(name="core.expire_idempotency_records")
def expire_idempotency_records() -> int:
    """Forget stored answers to `Idempotency-Key`s past their expiry. Safe to run often."""
    return idempotency_records_expire()


@shared_task(name="core.deliver_outbox")
def deliver_outbox() -> int:
    """Send tasks whose after-commit send failed (the broker was down). Safe to run often."""
    return outbox_deliver()
