"""`manage.py sampling_verify --programme N`: re-derive every outcome-sampling decision."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from enrolments.sampling import sampling_verify
from wallets.models import FundingProgramme


class Command(BaseCommand):
    help = (
        "Recompute every outcome-sampling decision of a programme from its seed and the kept "
        "events; list mismatches. Exit 1 on any. --seed checks a seed an auditor holds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", type=int, required=True, help="The programme's id.")
        parser.add_argument(
            "--seed", default=None, help="The seed to check with (default: the stored one)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        programme = FundingProgramme.objects.filter(pk=options["programme"]).first()
        if programme is None:
            raise CommandError(f"No programme {options['programme']}.")
        audit = sampling_verify(
            programme_id=programme.pk, seed=options["seed"] or programme.sampling_seed
        )
        self.stdout.write(
            f"{programme.name}: {audit.checked} decisions re-derived, {audit.sampled} sampled."
        )
        for mismatch in audit.mismatches:
            self.stdout.write(
                self.style.ERROR(f"enrolment {mismatch.enrolment_id}: {mismatch.problem}")
            )
        if audit.mismatches:
            raise CommandError(f"{len(audit.mismatches)} decisions do not match.")
        self.stdout.write(self.style.SUCCESS("Every decision matches."))
