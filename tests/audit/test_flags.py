"""Anomaly flags: each rule fires on a crafted case and stays quiet on the demo's honest data;
officers clear a flag with a note and the flag is kept; another funder sees nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AnomalyFlag
from audit.selectors import open_flags
from audit.services import flag_clear, flags_recompute
from core.errors import Forbidden, InvalidInput
from core.models import AuditRecord
from enrolments.models import Enrolment, EnrolmentEvent, MilestonePayment
from enrolments.services import (
    attendance_record,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_offer,
    enrolment_record_outcome,
    enrolment_record_start,
    enrolment_withdraw,
    outcome_verify,
)
from tests.enrolments.helpers import World, make_world
from tests.factories import FunderMembershipFactory
from tests.helpers import client_for
from users.models import User

pytestmark = pytest.mark.django_db

Rule = AnomalyFlag.Rule


def _rules(world: World) -> dict[str, list[AnomalyFlag]]:
    found: dict[str, list[AnomalyFlag]] = {}
    for flag in AnomalyFlag.objects.filter(programme=world.programme).order_by("pk"):
        found.setdefault(flag.rule, []).append(flag)
    return found


def _accepted(world: World, count: int) -> list[Enrolment]:
    accepted = []
    for _ in range(count):
        offered = world.offered()
        accepted.append(enrolment_accept(actor=offered.learner, enrolment=offered))
    return accepted


def _started(world: World, count: int, *, days: int = 10) -> list[Enrolment]:
    accepted = _accepted(world, count)
    world.run_cohort(days_ago=days - 1)
    staff = world.provider_staff.user
    started = []
    for enrolment in accepted:
        enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
        started.append(enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment))
    return started


def _days(n: int) -> list[dt.date]:
    today = timezone.localdate()
    return [today - dt.timedelta(days=d) for d in range(n)]


# --- Each rule fires on a crafted case ----------------------------------------------------------


def test_claims_jump_fires_on_a_week_well_above_the_providers_usual_rate() -> None:
    world = make_world()
    enrolments = _accepted(world, 10)
    now = timezone.now()
    # 20 claims this week; 8 in the eight weeks before (1 a week on average).
    for enrolment in enrolments:
        for milestone in ("start", "completion"):
            MilestonePayment.objects.create(enrolment=enrolment, milestone=milestone, amount=0)
    for week, enrolment in enumerate(enrolments[:8]):
        payment = MilestonePayment.objects.create(
            enrolment=enrolment, milestone="outcome", amount=0
        )
        MilestonePayment.objects.filter(pk=payment.pk).update(
            created_at=now - dt.timedelta(days=10 + 7 * week)
        )

    flags_recompute()
    (flag,) = _rules(world)[Rule.CLAIMS_JUMP]
    assert flag.provider_id == world.course.provider_id
    assert flag.figures == {"recent": 20, "trailing_weekly_average": 1.0}
    assert "20 milestone claims in the last 7 days" in flag.reason


def test_claims_jump_needs_a_minimum_volume() -> None:
    world = make_world()
    for enrolment in _accepted(world, 9):
        for milestone in ("start", "completion"):
            MilestonePayment.objects.create(enrolment=enrolment, milestone=milestone, amount=0)
    flags_recompute()  # 18 claims from nothing before: under the minimum of 20
    assert Rule.CLAIMS_JUMP not in _rules(world)


def test_a_start_left_unconfirmed_past_the_window_is_flagged() -> None:
    world = make_world()
    (enrolment,) = _accepted(world, 1)
    world.run_cohort(days_ago=0)
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    flags_recompute()
    assert Rule.UNCONFIRMED_START not in _rules(world)  # inside the 14-day window

    Enrolment.objects.filter(pk=enrolment.pk).update(
        provider_recorded_start_at=timezone.now() - dt.timedelta(days=15)
    )
    flags_recompute()
    (flag,) = _rules(world)[Rule.UNCONFIRMED_START]
    assert (flag.enrolment_id, flag.subject) == (enrolment.pk, f"enrolment:{enrolment.pk}")
    assert "has not confirmed it in the 14-day window" in flag.reason


def test_many_applications_from_one_address_are_flagged() -> None:
    world = make_world()
    for index in range(5):
        learner = world.learner()  # with a grant: the offer is paid from the programme
        response = client_for(learner).post(
            f"/api/v1/cohorts/{world.cohort.pk}/enrolments",
            {"statement": "Please"},
            format="json",
            REMOTE_ADDR="203.0.113.9",
            HTTP_USER_AGENT=f"Browser {index % 2}",
        )
        assert response.status_code == 201, response.content
        # Acceptance ties the enrolment to the programme whose money pays for it.
        offered = enrolment_offer(
            actor=world.provider_staff.user,
            enrolment=Enrolment.objects.get(pk=response.json()["id"]),
        )
        enrolment_accept(actor=learner, enrolment=offered)
    hashes = set(Enrolment.objects.values_list("applied_ip_hash", flat=True))
    assert len(hashes) == 1
    assert "203.0.113.9" not in hashes.pop()  # kept as a keyed hash, never the address

    flags_recompute()
    flags = _rules(world)[Rule.SHARED_ADDRESS]
    # Five learners from one address; three of them from one device (same address and agent).
    assert sorted(f.figures["learners"] for f in flags) == [3, 5]
    assert any("5 learners applied from one address" in f.reason for f in flags)


def test_completion_with_very_low_attendance_is_flagged() -> None:
    world = make_world()
    low, good = _started(world, 2, days=10)
    staff = world.provider_staff.user
    for enrolment, present in ((low, 3), (good, 5)):  # 5 of 10 is 50 %: not below it
        sessions = [(day, i < present) for i, day in enumerate(_days(10))]
        enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=sessions)
        enrolment_complete(actor=staff, enrolment=enrolment)
    flags_recompute()
    (flag,) = _rules(world)[Rule.LOW_ATTENDANCE_COMPLETION]
    assert flag.enrolment_id == low.pk
    assert "3 of 10 sessions" in flag.reason


def test_a_learner_who_never_signs_in_after_taking_the_place_is_flagged() -> None:
    world = make_world()
    quiet, active = _accepted(world, 2)
    EnrolmentEvent.objects.filter(action="accept").update(
        created_at=timezone.now() - dt.timedelta(days=31)
    )
    User.objects.filter(pk=active.learner_id).update(last_login=timezone.now())
    flags_recompute()
    (flag,) = _rules(world)[Rule.NEVER_SIGNED_IN]
    assert flag.enrolment_id == quiet.pk
    assert "last sign-in: never" in flag.reason


def test_repeated_withdrawals_just_after_the_start_pays_are_flagged() -> None:
    world = make_world()
    started = _started(world, 3)
    for enrolment in started[:2]:
        enrolment_withdraw(actor=enrolment.learner, enrolment=enrolment, reason="Moving away")
    flags_recompute()
    assert Rule.WITHDRAWAL_AFTER_PAYMENT not in _rules(world)  # two are not a pattern

    enrolment_withdraw(actor=started[2].learner, enrolment=started[2], reason="Moving away")
    flags_recompute()
    (flag,) = _rules(world)[Rule.WITHDRAWAL_AFTER_PAYMENT]
    assert flag.provider_id == world.course.provider_id
    assert flag.figures["withdrawals"] == 3


def test_a_rejected_outcome_flags_the_provider() -> None:
    world = make_world(sample_rate="1")
    (enrolment,) = _started(world, 1, days=1)
    staff = world.provider_staff.user
    enrolment = attendance_record(
        actor=staff, enrolment=enrolment, sessions=[(timezone.localdate(), True)]
    )
    enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    enrolment = enrolment_record_outcome(
        actor=staff,
        enrolment=enrolment,
        outcome="employment",
        evidence="Letter",
        outcome_date=timezone.localdate(),
    )
    outcome_verify(actor=world.officer, enrolment=enrolment, verified=False, reason="Forged")
    flags_recompute()
    (flag,) = _rules(world)[Rule.REJECTED_OUTCOME]
    assert flag.subject == f"provider:{world.course.provider_id}"
    assert "1 outcome(s) rejected" in flag.reason


# --- Recompute: one open flag per rule and subject -----------------------------------------------


def test_a_second_run_updates_the_open_flag_instead_of_adding_one() -> None:
    world = make_world()
    _low_attendance_flag(world)
    first = AnomalyFlag.objects.get()
    later = timezone.now() + dt.timedelta(days=1)
    assert flags_recompute(now=later) == 0
    again = AnomalyFlag.objects.get()
    assert (again.pk, again.first_seen_at, again.last_seen_at) == (
        first.pk,
        first.first_seen_at,
        later,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AnomalyFlag.objects.create(
            programme=first.programme,
            rule=first.rule,
            subject=first.subject,
            reason="again",
            first_seen_at=later,
            last_seen_at=later,
        )


def _low_attendance_flag(world: World) -> AnomalyFlag:
    (enrolment,) = _started(world, 1, days=4)
    staff = world.provider_staff.user
    sessions = [(day, i == 0) for i, day in enumerate(_days(4))]
    enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=sessions)
    enrolment_complete(actor=staff, enrolment=enrolment)
    assert flags_recompute() == 1
    return AnomalyFlag.objects.get(rule=Rule.LOW_ATTENDANCE_COMPLETION)


# --- Officers clear with a note; nothing is deleted ----------------------------------------------


def test_clearing_needs_a_note_and_an_officer_and_keeps_the_flag() -> None:
    world = make_world()
    flag = _low_attendance_flag(world)
    auditor = FunderMembershipFactory.create(funder=world.programme.funder, role="auditor").user
    with pytest.raises(InvalidInput):
        flag_clear(actor=world.officer, flag=flag, note="   ")
    with pytest.raises(Forbidden):
        flag_clear(actor=auditor, flag=flag, note="Looks fine")
    flag.refresh_from_db()
    assert flag.status == "open"

    cleared = flag_clear(actor=world.officer, flag=flag, note="Called the learner: ill, certified")
    assert (cleared.status, cleared.cleared_by_id) == ("cleared", world.officer.pk)
    assert AnomalyFlag.objects.filter(pk=flag.pk).exists()
    record = AuditRecord.objects.get(action="anomaly_flag.clear")
    assert (record.actor_id, record.programme_id) == (world.officer.pk, world.programme.pk)
    assert record.after["note"] == "Called the learner: ill, certified"

    # The same facts do not raise it again; the flag cannot be deleted.
    assert flags_recompute(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert list(open_flags(world.programme.funder)) == []
    with pytest.raises(IntegrityError), transaction.atomic():
        AnomalyFlag.objects.filter(pk=flag.pk).delete()


def test_flags_api_lists_for_officers_and_auditors_and_clears_for_officers_only() -> None:
    world = make_world()
    flag = _low_attendance_flag(world)
    url = f"/api/v1/audit/programmes/{world.programme.pk}/flags"
    officer = client_for(world.officer, mfa=True)
    auditor_user = FunderMembershipFactory.create(
        funder=world.programme.funder, role="auditor"
    ).user
    auditor = client_for(auditor_user, mfa=True)
    other = client_for(FunderMembershipFactory.create().user, mfa=True)

    listed = auditor.get(url, {"status": "open"}).json()["results"]
    assert [f["id"] for f in listed] == [flag.pk]
    assert listed[0]["rule"] == "low_attendance_completion"
    assert officer.get(url, {"rule": "claims_jump"}).json()["results"] == []
    assert officer.get(url, {"rule": "nonsense"}).status_code == 400
    assert other.get(url).status_code == 404

    clear = f"/api/v1/audit/flags/{flag.pk}/clear"
    assert other.post(clear, {"note": "x"}, format="json").status_code == 404
    assert auditor.post(clear, {"note": "x"}, format="json").status_code == 403
    missing = officer.post(clear, {}, format="json")
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid")
    done = officer.post(clear, {"note": "Checked the register"}, format="json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["clear_note"]) == ("cleared", "Checked the register")
    again = officer.post(clear, {"note": "Again"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "flag_already_cleared")
    assert auditor.get(url, {"status": "cleared"}).json()["results"][0]["id"] == flag.pk


# --- The demo's honest data raises nothing -------------------------------------------------------


def test_no_rule_fires_on_the_demos_honest_data(settings: Any) -> None:
    settings.DEBUG = True
    call_command("demo_load", stdout=io.StringIO())
    assert Enrolment.objects.exists()
    assert flags_recompute() == 0
    assert list(AnomalyFlag.objects.values_list("rule", "reason")) == []
