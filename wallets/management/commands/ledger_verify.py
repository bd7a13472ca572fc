"""`manage.py ledger_verify`: walk every account's hash chain and check every balance."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.checks import present
from wallets.models import LedgerVerificationRun
from wallets.verification import ledger_verify_and_store


class Command(BaseCommand):
    help = (
        "Verify the ledger: hash chains, cached balances, balanced transactions. Exit 1 on a break."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report, _ = ledger_verify_and_store(trigger=LedgerVerificationRun.Trigger.COMMAND)
        self.stdout.write(
            f"Checked {report.accounts_checked} accounts, {report.entries_checked} entries, "
            f"{report.transactions_checked} transactions."
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("Ledger OK."))
            return
        for found in report.breaks:
            self.stdout.write(self.style.ERROR(f"{found.kind}: {found.message}"))
        first = present(report.first_break, "the first break of a failed verification")
        raise CommandError(f"Ledger verification failed: first break: {first.message}")
