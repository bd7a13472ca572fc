"""The demo's people: one login per role, with known passwords (never use in production)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from providers.models import Provider, ProviderMembership
from users.models import User
from wallets.models import Funder, FunderMembership

DEMO_PASSWORD = "demo-password-2026"
# A published example secret, so anyone can add it to an authenticator app for the demo.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
DEMO_DOMAIN = "demo.skillswallet.example"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    role: str
    needs_mfa: bool


LEARNER = DemoPerson(f"learner@{DEMO_DOMAIN}", "Amara Okafor", "learner", False)
PROVIDER_ADMIN = DemoPerson(f"provider.admin@{DEMO_DOMAIN}", "Priya Shah", "provider admin", True)
PROVIDER_STAFF = DemoPerson(f"provider.staff@{DEMO_DOMAIN}", "Tom Hughes", "provider staff", True)
FUNDER_OFFICER = DemoPerson(f"funder.officer@{DEMO_DOMAIN}", "Gareth Evans", "funder officer", True)
FUNDER_AUDITOR = DemoPerson(f"funder.auditor@{DEMO_DOMAIN}", "Helen Lowe", "funder auditor", True)
PLATFORM_STAFF = DemoPerson(f"staff@{DEMO_DOMAIN}", "Sam Patel", "platform staff", True)
# More learners, for the wallet and enrolment stories.
LEARNER_TEES = DemoPerson(
    f"learner.tees@{DEMO_DOMAIN}", "Callum Reid", "learner (Tees Valley)", False
)
LEARNER_APPLICANT = DemoPerson(
    f"learner.applicant@{DEMO_DOMAIN}", "Zainab Hussain", "learner (applied)", False
)
LEARNER_DEFERRAL = DemoPerson(
    f"learner.deferral@{DEMO_DOMAIN}", "Marcus Webb", "learner (deferred fee)", False
)
TEES_OFFICER = DemoPerson(
    f"tees.officer@{DEMO_DOMAIN}", "Laura Bell", "funder officer (TVCA)", True
)

PEOPLE = [
    LEARNER,
    LEARNER_TEES,
    LEARNER_APPLICANT,
    LEARNER_DEFERRAL,
    PROVIDER_ADMIN,
    PROVIDER_STAFF,
    FUNDER_OFFICER,
    TEES_OFFICER,
    FUNDER_AUDITOR,
    PLATFORM_STAFF,
]


def demo_person(person: DemoPerson, *, is_staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=person.email, defaults={"full_name": person.full_name, "is_staff": is_staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=person.email, defaults={"verified": True, "primary": True}
    )
    if (
        person.needs_mfa
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)
    return user


def load_people() -> dict[str, User]:
    """Creates (or keeps) the demo people and their memberships; safe to run again."""
    coding_school = Provider.objects.get(ukprn="10091234")  # demo.catalogue loads it first
    west_midlands, _ = Funder.objects.get_or_create(name="West Midlands Combined Authority")
    tees_valley, _ = Funder.objects.get_or_create(name="Tees Valley Combined Authority")

    users = {
        "learner": demo_person(LEARNER),
        "provider_admin": demo_person(PROVIDER_ADMIN),
        "provider_staff": demo_person(PROVIDER_STAFF),
        "funder_officer": demo_person(FUNDER_OFFICER),
        "funder_auditor": demo_person(FUNDER_AUDITOR),
        "platform_staff": demo_person(PLATFORM_STAFF, is_staff=True),
        "learner_tees": demo_person(LEARNER_TEES),
        "learner_applicant": demo_person(LEARNER_APPLICANT),
        "learner_deferral": demo_person(LEARNER_DEFERRAL),
        "tees_officer": demo_person(TEES_OFFICER),
    }
    FunderMembership.objects.get_or_create(
        user=users["tees_officer"], funder=tees_valley, defaults={"role": "officer"}
    )
    ProviderMembership.objects.get_or_create(
        user=users["provider_admin"], provider=coding_school, defaults={"role": "admin"}
    )
    ProviderMembership.objects.get_or_create(
        user=users["provider_staff"], provider=coding_school, defaults={"role": "staff"}
    )
    FunderMembership.objects.get_or_create(
        user=users["funder_officer"], funder=west_midlands, defaults={"role": "officer"}
    )
    FunderMembership.objects.get_or_create(
        user=users["funder_auditor"], funder=west_midlands, defaults={"role": "auditor"}
    )
    return users


def current_demo_totp_code() -> str:
    """The code an authenticator app holding DEMO_TOTP_SECRET shows right now."""
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
