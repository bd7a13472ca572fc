"""Scheduled wallet jobs (thin: they call services)."""

from celery import shared_task

from wallets.services import pots_expire_due


@shared_task(name="wallets.expire_pots")
def expire_pots() -> int:
    """Return unspent money of expired grant pots to their programmes. Safe to run often."""
    return pots_expire_due()
