"""`manage.py demo_totp`: print the current TOTP code for the demo MFA logins."""

from typing import Any

from django.core.management.base import BaseCommand

from demo.people import current_demo_totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code for the demo logins that need MFA."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(current_demo_totp_code())
