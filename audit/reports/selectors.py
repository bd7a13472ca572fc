"""Who may read a programme's reports: its funder's officers and auditors. Someone with no
funder role is refused (403); a programme of another funder does not exist for them (404)."""

from __future__ import annotations

from typing import Any

from core.errors import Forbidden
from wallets.models import Funder, FunderMembership, FundingProgramme
from wallets.selectors import funder_get_for_member, programme_get_for_member


def check_funder_reader(*, user: Any) -> None:
    if not FunderMembership.objects.filter(user=user).exists():
        raise Forbidden("Reports are for funder officers and auditors.")


def programme_get_for_reports(*, user: Any, programme_id: int) -> FundingProgramme:
    check_funder_reader(user=user)
    return programme_get_for_member(user=user, programme_id=programme_id)


def funder_get_for_reports(*, user: Any, funder_id: int) -> Funder:
    check_funder_reader(user=user)
    return funder_get_for_member(user=user, funder_id=funder_id)
