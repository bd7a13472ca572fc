"""Programmes fund skills and regions from the same lists courses use: a typo funds nobody."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.skills import UnknownSkill
from tests.factories import make_programme
from tests.helpers import client_for
from wallets.services import programme_update

pytestmark = pytest.mark.django_db


def test_a_programme_refuses_skills_and_regions_that_are_not_on_the_lists() -> None:
    with pytest.raises(UnknownSkill):
        make_programme(allowed_skills=["data", "dta-analysis"])
    with pytest.raises(InvalidInput) as info:
        make_programme(regions=["West Midlands", "West Midland"])
    assert "West Midland" in info.value.extra["fields"]["regions"]

    programme = make_programme(allowed_skills=["data"], regions=["West Midlands"])
    officer = programme.funder.memberships.get().user
    with pytest.raises(UnknownSkill):
        programme_update(actor=officer, programme=programme, allowed_skills=["cloudd"])
    programme.refresh_from_db()
    assert programme.allowed_skills == ["data"]


def test_the_api_names_the_unknown_skill() -> None:
    programme = make_programme()
    officer = programme.funder.memberships.get().user
    answer = client_for(officer, mfa=True).patch(
        f"/api/v1/funder/programmes/{programme.pk}",
        {"allowed_skills": ["data", "not-a-skill"]},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "unknown_skill"
    assert answer.json()["extra"]["unknown"] == ["not-a-skill"]
