"""Periodic housekeeping of shared records (thin: the work is in core/idempotency.py)."""

from celery import shared_task

from core.idempotency import idempotency_records_expire


@shared_task(name="core.expire_idempotency_records")
def expire_idempotency_records() -> int:
    """Forget stored answers to `Idempotency-Key`s past their expiry. Safe to run often."""
    return idempotency_records_expire()
