"""`manage.py grants_import <programme> <file.csv>`: a bulk grant import with a progress bar.

    manage.py grants_import 7 grants.csv --officer officer@funder.example
    manage.py grants_import 7 --region "West Midlands" --officer officer@funder.example
    manage.py grants_import --resume 12        # from the checkpoint, after a crash or a stop
    manage.py grants_import --cancel 12 --officer officer@funder.example

Validates the whole file first (nothing moves when a row is bad, unless --grant-valid-rows),
then posts in batches in this process, showing rows done, total, rate and time left.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from users.models import User
from wallets.models import FundingProgramme, GrantImport
from wallets.services.imports import (
    grant_import_cancel,
    grant_import_create,
    grant_import_from_rule,
    grant_import_progress,
    grant_import_run,
)


def progress_line(grant_import: GrantImport, width: int = 30) -> str:
    """`[#######-----]  12,000/100,000 rows   3,456/s  0:00:25 left  posting`"""
    progress = grant_import_progress(grant_import)
    share = progress.rows_done / progress.rows_total if progress.rows_total else 1.0
    filled = int(share * width)
    left = "--:--:--"
    if progress.seconds_left is not None:
        seconds = int(progress.seconds_left)
        left = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return (
        f"[{'#' * filled}{'-' * (width - filled)}] {progress.rows_done:,}/{progress.rows_total:,} "
        f"rows  {progress.rate:,.0f}/s  {left} left  {grant_import.status}"
    )


class Command(BaseCommand):
    help = "Import grants from a CSV (or a region rule), or resume or cancel an import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("programme", nargs="?", type=int, help="Programme id.")
        parser.add_argument("file", nargs="?", help="CSV with `email` and optional `amount`.")
        parser.add_argument("--officer", help="Email of the funder's officer making the import.")
        parser.add_argument("--region", help="Grant every eligible applicant of this region.")
        parser.add_argument("--grant-valid-rows", action="store_true")
        parser.add_argument("--resume", type=int, metavar="IMPORT_ID")
        parser.add_argument("--cancel", type=int, metavar="IMPORT_ID")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument(
            "--pause", type=float, default=0.0, help="Seconds to wait between batches."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            grant_import = self._start(options)
        except DomainError as exc:
            raise CommandError(f"{exc.detail} {exc.extra or ''}".strip()) from exc
        if grant_import.status == GrantImport.Status.INVALID:
            for error in grant_import.errors:
                self.stdout.write(f"line {error['line']}: {error['email']}: {error['reason']}")
            raise CommandError(f"Import {grant_import.pk} refused: {grant_import.status_reason}")
        self.stdout.write(
            f"Import {grant_import.pk}: {grant_import.valid_rows:,} rows valid of "
            f"{grant_import.total_rows:,}; {grant_import.status}."
        )
        last = 0.0

        def show(current: GrantImport) -> None:
            nonlocal last
            if time.monotonic() - last > 0.5 or current.status != GrantImport.Status.POSTING:
                last = time.monotonic()
                sys.stderr.write("\r" + progress_line(current))
                sys.stderr.flush()

        final = grant_import_run(
            grant_import.pk, size=options["batch_size"], pause=options["pause"], on_batch=show
        )
        sys.stderr.write("\r" + progress_line(final) + "\n")
        self.stdout.write(
            f"Import {final.pk} {final.status}: {final.rows_done:,} granted, "
            f"{final.skipped_rows:,} skipped, {final.rows_reversed:,} reversed."
            + (f" {final.status_reason}" if final.status_reason else "")
        )

    def _officer(self, options: dict[str, Any]) -> User:
        if not options["officer"]:
            raise CommandError("Name the officer: --officer EMAIL.")
        officer = User.objects.filter(email__iexact=options["officer"]).first()
        if officer is None:
            raise CommandError("No user has that email.")
        return officer

    def _start(self, options: dict[str, Any]) -> GrantImport:
        if options["resume"]:
            grant_import = GrantImport.objects.filter(pk=options["resume"]).first()
            if grant_import is None:
                raise CommandError("No such import.")
            if grant_import.status == GrantImport.Status.STOPPED:
                GrantImport.objects.filter(pk=grant_import.pk).update(
                    status=GrantImport.Status.POSTING, status_reason=""
                )
                grant_import.refresh_from_db()
            return grant_import
        if options["cancel"]:
            grant_import = GrantImport.objects.filter(pk=options["cancel"]).first()
            if grant_import is None:
                raise CommandError("No such import.")
            return grant_import_cancel(
                actor=self._officer(options), grant_import=grant_import, enqueue=False
            )
        programme = FundingProgramme.objects.filter(pk=options["programme"]).first()
        if programme is None:
            raise CommandError("Name a programme by id.")
        officer = self._officer(options)

        def staged(rows: int) -> None:
            sys.stderr.write(f"\rstaging {rows:,} rows")
            sys.stderr.flush()

        if options["region"]:
            return grant_import_from_rule(
                actor=officer,
                programme=programme,
                region=options["region"],
                enqueue=False,
                on_progress=staged,
            )
        if not options["file"]:
            raise CommandError("Give a CSV file or --region.")
        path = Path(options["file"])
        with path.open("rb") as stream:
            grant_import = grant_import_create(
                actor=officer,
                programme=programme,
                stream=stream,
                filename=path.name,
                grant_valid_rows=options["grant_valid_rows"],
                enqueue=False,
                on_progress=staged,
            )
        sys.stderr.write("\n")
        return grant_import
