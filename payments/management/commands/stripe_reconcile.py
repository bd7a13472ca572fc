"""Compare our payments, refunds and transfers with Stripe's since a date and print every
difference (docs/payouts.md). Exit status 1 when there is a difference."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from payments.reconciliation import reconcile, reconciliation_store


class Command(BaseCommand):
    help = "List every difference between our records and Stripe's since a date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="YYYY-MM-DD (from midnight, UTC)")
        parser.add_argument(
            "--store", action="store_true", help="Also store the run for staff (the admin)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(options["since"])
        except ValueError as exc:
            raise CommandError("--since takes a date: YYYY-MM-DD.") from exc
        since = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        if since > timezone.now():
            raise CommandError("--since is in the future.")
        differences = reconcile(since)
        if options["store"]:
            reconciliation_store(since=since, differences=differences)
        lines = [str(d) for d in differences]
        for line in lines:
            self.stdout.write(line)
        if lines:
            self.stdout.write(f"{len(lines)} difference(s) since {day.isoformat()}.")
            raise SystemExit(1)
        self.stdout.write(f"No differences since {day.isoformat()}.")
