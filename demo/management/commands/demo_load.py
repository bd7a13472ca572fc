"""`manage.py demo_load`: create the demo data (idempotent) and print the demo logins."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.skills import ensure_default_skills
from demo.card_payments import card_payment_line, load_card_payment_demo
from demo.catalogue import load_catalogue
from demo.certificates import certificate_line, load_certificates
from demo.enrolments import load_enrolments
from demo.people import DEMO_PASSWORD, DEMO_TOTP_SECRET, PEOPLE, load_people
from demo.repayments import deferral_line, load_repayments
from demo.wallets import load_wallets


class Command(BaseCommand):
    help = "Load the demo data (safe to run again) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo creates a staff login whose password and TOTP secret are published.
            raise CommandError(
                "demo_load runs only with DEBUG on (local development); it refuses to create "
                "the published demo logins anywhere else."
            )
        ensure_default_skills()
        load_catalogue()
        users = load_people()
        programmes = load_wallets(users)
        load_enrolments(users, programmes["west_midlands"])
        certificate = load_certificates(users)
        deferred = load_repayments(users, programmes["west_midlands"])
        card = load_card_payment_demo(users)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for person in PEOPLE:
            mfa = "  (TOTP required)" if person.needs_mfa else ""
            self.stdout.write(f"  {person.role:<24} {person.email}{mfa}")
        self.stdout.write(
            f"TOTP secret for the MFA logins: {DEMO_TOTP_SECRET} "
            "(add it to an authenticator app, or run `python manage.py demo_totp`)."
        )
        if certificate is not None:
            self.stdout.write(certificate_line(certificate))
        if deferred is not None:
            self.stdout.write(deferral_line(deferred))
        if card is not None:
            self.stdout.write(card_payment_line(card, settings.FRONTEND_URL))
