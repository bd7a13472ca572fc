"""Programme eligibility: every reason a learner is not eligible, not just the first."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from wallets.models import FundingProgramme

# UK postcode, e.g. "B1 1AA", "CV32 5AB", "TS1 2PE" (spaces optional, case-insensitive).
_POSTCODE = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def normalise_postcode(postcode: str) -> str | None:
    """ "b11aa" → "B1 1AA"; None when it is not a UK postcode."""
    compact = re.sub(r"\s+", "", postcode or "").upper()
    match = _POSTCODE.match(compact)
    if not match:
        return None
    return f"{match.group(1)}{match.group(2)} {match.group(3)}"


@dataclass(frozen=True)
class EligibilityFacts:
    date_of_birth: dt.date
    postcode: str  # normalised
    region: str
    employment_status: str
    highest_qualification_level: int


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    years = day.year - date_of_birth.year
    return years - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def _postcode_covered(postcode: str, prefixes: list[str]) -> bool:
    outward = postcode.split(" ")[0]
    area = re.match(r"^[A-Z]+", outward)
    for prefix in (p.upper().replace(" ", "") for p in prefixes):
        if prefix.isalpha():
            if area and area.group(0) == prefix:
                return True
        elif outward == prefix or outward.startswith(prefix):
            return True
    return False


def check_eligibility(
    programme: FundingProgramme, facts: EligibilityFacts, today: dt.date
) -> list[Reason]:
    reasons: list[Reason] = []
    if programme.status != FundingProgramme.Status.ACTIVE or not (
        programme.opens_on <= today <= programme.closes_on
    ):
        reasons.append(
            Reason(
                "programme_not_open",
                f"Applications are open {programme.opens_on:%d %b %Y} "
                f"to {programme.closes_on:%d %b %Y}.",
            )
        )
    age = age_on(facts.date_of_birth, today)
    if age < programme.min_age:
        reasons.append(
            Reason("too_young", f"You must be at least {programme.min_age}; you are {age}.")
        )
    if programme.regions and facts.region not in programme.regions:
        reasons.append(
            Reason("region_not_covered", f"This programme covers {', '.join(programme.regions)}.")
        )
    if programme.postcode_prefixes and not _postcode_covered(
        facts.postcode, programme.postcode_prefixes
    ):
        reasons.append(
            Reason(
                "postcode_not_covered",
                f"Your postcode {facts.postcode} is outside the programme's area.",
            )
        )
    if (
        programme.employment_statuses
        and facts.employment_status not in programme.employment_statuses
    ):
        reasons.append(
            Reason(
                "employment_status_not_eligible",
                "This programme is for people who are "
                + ", ".join(programme.employment_statuses)
                + ".",
            )
        )
    if (
        programme.max_prior_qualification_level is not None
        and facts.highest_qualification_level > programme.max_prior_qualification_level
    ):
        reasons.append(
            Reason(
                "qualification_too_high",
                "This programme is for people qualified to level "
                f"{programme.max_prior_qualification_level} or below.",
            )
        )
    return reasons
