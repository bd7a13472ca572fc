"""Scheduled wallet jobs (thin: they call services)."""

import logging

from celery import shared_task
from django.conf import settings

from users.notifications import notify
from wallets.models import Grant, LedgerVerificationRun
from wallets.services import pots_expire_due
from wallets.verification import ledger_verify_and_store

logger = logging.getLogger(__name__)


@shared_task(name="wallets.expire_pots")
def expire_pots() -> int:
    """Return unspent money of expired grant pots to their programmes. Safe to run often."""
    return pots_expire_due()


@shared_task(name="wallets.verify_ledger")
def verify_ledger() -> bool:
    """Verify the whole ledger and keep the result for auditors. True when it is sound."""
    report, run = ledger_verify_and_store(trigger=LedgerVerificationRun.Trigger.SCHEDULE)
    if not report.ok:
        logger.error("Ledger verification failed: %s", run.first_break)
    return report.ok


@shared_task(name="wallets.notify_grant_received")
def notify_grant_received(grant_id: int) -> bool:
    """Tell a learner a programme granted them funds (they may turn these emails off)."""
    grant = (
        Grant.objects.select_related("learner", "programme__funder", "pot")
        .filter(pk=grant_id)
        .first()
    )
    if grant is None:
        return False
    return notify(
        user=grant.learner,
        kind="grant_received",
        context={
            "amount": grant.amount,
            "currency": grant.programme.currency,
            "programme_name": grant.programme.name,
            "funder_name": grant.programme.funder.name,
            "expires_at": grant.pot.expires_at,
            "link": f"{settings.FRONTEND_URL}/api/v1/wallet",
        },
    )


@shared_task(name="wallets.grant_import_run", acks_late=True, reject_on_worker_lost=True)
def grant_import_run(import_id: int) -> str:
    """Post a bulk grant import (or reverse a cancelled one) from its checkpoint to the end.

    Acknowledged late and re-queued when the worker dies: a run killed in the middle starts
    again from the last committed batch, and each row's key makes a replay post nothing.
    """
    from wallets.services.imports import grant_import_run as run

    return run(import_id).status
