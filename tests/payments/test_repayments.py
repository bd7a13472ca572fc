"""Repayment month by month (time-machine): to the cap and never a penny over, to write-off at
the term's end, through a withdrawal after the start milestone; declarations, evidence,
reminders and flags; statements for the learner and the funder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from rest_framework.test import APIClient

from enrolments.services import (
    enrolment_accept,
    enrolment_confirm_start,
    enrolment_record_start,
    enrolment_withdraw,
)
from payments.models import PlanThreshold, RepaymentAgreement, RepaymentCharge, RepaymentPlan
from payments.services import (
    agreement_activate,
    agreement_settle_on_exit,
    income_declare,
    repayments_assess_due,
)
from payments.tasks import assess_repayments
from tests.factories import FunderMembershipFactory
from tests.helpers import client_for, sign_in_with_totp
from tests.payments.helpers import DeferralWorld, balance, deferral_hold, make_deferral_world
from wallets.models import LedgerEntry, LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
A = RepaymentAgreement.Status
START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def traveller() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def first_of_month(year: int, month: int) -> dt.datetime:
    return dt.datetime(year, month, 1, 6, 0, tzinfo=LONDON)


def months_from(year: int, month: int) -> Iterator[tuple[int, int]]:
    while True:
        yield year, month
        year, month = year + month // 12, month % 12 + 1


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def charges(agreement: RepaymentAgreement) -> list[int]:
    return list(agreement.charges.order_by("number").values_list("amount", flat=True))


def declare(agreement: RepaymentAgreement, period: dt.date, income: int) -> None:
    income_declare(actor=agreement.learner, agreement=agreement, period=period, gross_income=income)


def bootcamp(traveller: Any) -> tuple[DeferralWorld, RepaymentAgreement]:
    world = make_deferral_world()  # cohort 2026-07-01 to 2026-09-23
    agreement = world.activated(1_000_000)
    return world, agreement


# --- To the cap ---------------------------------------------------------------------------------


def test_month_by_month_to_the_cap_stops_exactly_at_it(traveller: Any) -> None:
    world, agreement = bootcamp(traveller)
    client = client_for(agreement.learner)
    assert agreement.write_off_on == dt.date(2031, 10, 1)
    incomes = iter([900_000, 300_000] + [900_000] * 40)  # $9,000 a month, one month at $3,000
    paid_by_the_rule: list[int] = []
    for year, month in months_from(2026, 7):
        traveller.move_to(first_of_month(year, month))
        today = dt.date(year, month, 1)
        agreement.refresh_from_db()
        if agreement.status == A.REPAYING and previous_month(today) >= dt.date(2026, 10, 1):
            income = next(incomes)
            response = client.post(
                f"/api/v1/repayments/agreements/{agreement.pk}/declarations",
                {"period": f"{previous_month(today):%Y-%m}", "gross_income": income},
                format="json",
            )
            assert response.status_code == 201, response.json()
            paid_by_the_rule.append(income * 17 // 100 // 100 * 100 if income >= 416_666 else 0)
        result = assess_repayments.delay().get()
        assert result["refused"] == []
        agreement.refresh_from_db()
        total = sum(charges(agreement))
        assert total <= 3_000_000  # never a penny over, at any month
        if agreement.status != A.REPAYING and agreement.status != A.ACTIVE:
            break
        assert year < 2029, "the agreement never reached its cap"

    assert agreement.status == A.CLOSED
    assert agreement.close_reason == RepaymentAgreement.CloseReason.CAP_REACHED
    amounts = charges(agreement)
    assert sum(amounts) == 3_000_000
    assert amounts[:-1] == [153_000] * 19
    assert amounts[-1] == 3_000_000 - 19 * 153_000 == 93_000  # the last one cut to the cap
    assert paid_by_the_rule.count(0) == 1
    last = agreement.charges.order_by("number").last()
    assert last is not None
    assert last.assessment.limited_by == "cap"
    assert last.assessment.due_by_rule == 153_000
    # On the ledger: the debt is repaid, the excess over it is owed too, nothing is collected yet.
    assert balance(agreement.receivable_account_id) == 0
    assert balance(agreement.owed_account_id) == 3_000_000
    assert balance(world.deferral.obligations_account_id) == -3_000_000
    assert agreement.written_off_amount == 0

    statement = client.get(f"/api/v1/repayments/agreements/{agreement.pk}").json()
    assert statement["total_charged"] == 3_000_000
    assert statement["remaining_to_cap"] == 0
    assert statement["total_repaid"] == 0  # collection by card comes with the payments gateway
    assert statement["owed"] == 3_000_000
    assert statement["payments_made"] == 20
    assert statement["paused_periods"] == ["2026-11"]
    assert [p["status"] for p in statement["schedule"]].count("due") == 20
    assert statement["write_off_on"] == "2031-10-01"
    assert statement["close_reason"] == "cap_reached"

    # After the cap nothing more is declared, assessed or charged.
    traveller.move_to(first_of_month(2028, 12))
    refused = client.post(
        f"/api/v1/repayments/agreements/{agreement.pk}/declarations",
        {"period": "2028-11", "gross_income": 900_000},
        format="json",
    )
    assert refused.status_code == 409
    assess_repayments.delay()
    assert sum(charges(agreement)) == 3_000_000
    assert ledger_verify().ok


def test_the_payment_limit_closes_an_income_share_before_the_cap(traveller: Any) -> None:
    world, agreement = bootcamp(traveller)
    for year, month in months_from(2026, 11):
        today = dt.date(year, month, 1)
        traveller.move_to(first_of_month(year, month))
        repayments_assess_due(today=today)
        agreement.refresh_from_db()
        if agreement.status != A.REPAYING:
            break
        declare(agreement, previous_month(today), 500_000)  # $60,000 a year: $850 a month
        repayments_assess_due(today=today)
        agreement.refresh_from_db()
        if agreement.status != A.REPAYING:
            break
    assert agreement.close_reason == RepaymentAgreement.CloseReason.PAYMENTS_COMPLETE
    assert charges(agreement) == [85_000] * 24  # the published example, 24 times
    assert balance(agreement.receivable_account_id) == 0
    assert ledger_verify().ok


# --- To write-off at the term's end -----------------------------------------------------------


def test_month_by_month_to_write_off_at_the_end_of_the_term(traveller: Any) -> None:
    world, agreement = bootcamp(traveller)
    incomes = [900_000] * 3  # three payments of $1,530, then below the threshold for good
    for year, month in months_from(2026, 10):
        today = dt.date(year, month, 1)
        traveller.move_to(first_of_month(year, month))
        agreement.refresh_from_db()
        if agreement.status == A.REPAYING and previous_month(today) < dt.date(2031, 10, 1):
            declare(agreement, previous_month(today), incomes.pop() if incomes else 300_000)
        repayments_assess_due(today=today)
        agreement.refresh_from_db()
        if agreement.status == A.WRITTEN_OFF:
            break
        assert agreement.status == A.REPAYING
        assert year <= 2031

    assert today == dt.date(2031, 10, 1) == agreement.write_off_on
    assert charges(agreement) == [153_000] * 3
    assert agreement.assessments.filter(outcome="paused").count() == 57
    assert agreement.written_off_amount == 1_000_000 - 459_000
    assert balance(agreement.receivable_account_id) == 0
    write_off = LedgerEntry.objects.get(
        account_id=agreement.receivable_account_id,
        transaction__kind=LedgerTransaction.Kind.REPAYMENT_WRITE_OFF,
    )
    assert write_off.amount == -541_000
    assert agreement.close_reason == RepaymentAgreement.CloseReason.TERM_ENDED
    assert ledger_verify().ok


# --- Through a withdrawal after the start milestone ------------------------------------------


def test_a_withdrawal_after_the_start_milestone_repays_what_was_paid_out(traveller: Any) -> None:
    world = make_deferral_world(
        plan="plan_2", currency="GBP", price=1_000_000, allowance=100_000, max_per_learner=900_000
    )
    # Staff load the next tax year's threshold when it is published.
    PlanThreshold.objects.create(
        plan=RepaymentPlan.objects.get(code="plan_2"), tax_year=2027, annual_threshold=3_000_000
    )
    # The real acceptance (the grant's £1,000 into its hold), then the deferral's two calls.
    agreement = world.signed(900_000)
    enrolment = enrolment_accept(
        actor=agreement.learner, enrolment=agreement.enrolment, deferred_part=900_000
    )
    agreement = agreement_activate(
        actor=agreement.learner,
        agreement=agreement,
        enrolment=enrolment,
        hold_account_id=deferral_hold(agreement).account_id,
    )
    assert agreement.cap == 900_000

    traveller.move_to(dt.datetime(2026, 7, 1, 10, 0, tzinfo=LONDON))  # the first session
    enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    enrolment_confirm_start(actor=agreement.learner, enrolment=enrolment)
    # 45 % of £10,000: the grant's £1,000 first, then £3,500 of the deferred part.
    assert enrolment.milestone_payments.get(milestone="start").amount == 450_000
    traveller.move_to(dt.datetime(2026, 7, 20, 10, 0, tzinfo=LONDON))  # the learner leaves
    settlement = agreement_settle_on_exit(actor=agreement.learner, agreement=agreement)
    enrolment_withdraw(actor=agreement.learner, enrolment=enrolment, reason="Found a job")
    agreement.refresh_from_db()
    assert settlement.paid_out == 350_000
    assert agreement.amount == balance(agreement.receivable_account_id) == 350_000
    assert agreement.cap == 350_000  # statutory plans: the debt itself, no interest
    assert balance(world.deferral.budget_account_id) == 5_000_000 - 350_000
    assert agreement.repayment_starts_on == dt.date(2026, 8, 1)

    for year, month in months_from(2026, 9):
        today = dt.date(year, month, 1)
        traveller.move_to(first_of_month(year, month))
        declare(agreement, previous_month(today), 500_000)  # £5,000 a month
        repayments_assess_due(today=today)
        agreement.refresh_from_db()
        assert sum(charges(agreement)) <= 350_000
        if agreement.status != A.REPAYING:
            break
    # 2026-27: 9 % of (£5,000 − £2,448.75) = £229; 2027-28: 9 % of (£5,000 − £2,500) = £225.
    amounts = charges(agreement)
    assert amounts[:8] == [22_900] * 8  # August 2026 to March 2027
    assert set(amounts[8:-1]) == {22_500}  # from April 2027
    assert sum(amounts) == 350_000
    assert amounts[-1] == 350_000 - sum(amounts[:-1]) < 22_500  # the last one cut to the debt
    assert agreement.close_reason == RepaymentAgreement.CloseReason.CAP_REACHED
    assert balance(agreement.receivable_account_id) == 0
    assert balance(agreement.owed_account_id) == 350_000
    assert ledger_verify().ok


def test_a_month_without_a_published_threshold_waits_and_is_never_guessed(traveller: Any) -> None:
    world = make_deferral_world(
        plan="plan_2", currency="GBP", price=1_000_000, allowance=100_000, max_per_learner=900_000
    )
    agreement = world.activated(500_000)
    traveller.move_to(first_of_month(2027, 5))
    repayments_assess_due(today=dt.date(2027, 5, 1))  # enters repayment (course ended)
    agreement.refresh_from_db()
    declare(agreement, dt.date(2027, 4, 1), 500_000)  # in tax year 2027-28: not loaded
    run = repayments_assess_due(today=dt.date(2027, 5, 1))
    assert run.awaiting_threshold == [f"{agreement.pk}:2027-04"]
    assert not agreement.assessments.filter(period=dt.date(2027, 4, 1)).exists()
    PlanThreshold.objects.create(
        plan=RepaymentPlan.objects.get(code="plan_2"), tax_year=2027, annual_threshold=3_000_000
    )
    repayments_assess_due(today=dt.date(2027, 5, 1))
    assert agreement.assessments.get(period=dt.date(2027, 4, 1)).due == 22_500


# --- Declarations ----------------------------------------------------------------------------


def in_repayment(traveller: Any) -> RepaymentAgreement:
    world, agreement = bootcamp(traveller)
    traveller.move_to(first_of_month(2026, 12))
    repayments_assess_due(today=dt.date(2026, 12, 1))
    agreement.refresh_from_db()
    assert agreement.status == A.REPAYING
    assert agreement.repayment_starts_on == dt.date(2026, 10, 1)
    return agreement


def test_income_is_declared_with_optional_evidence_checked_by_content(traveller: Any) -> None:
    agreement = in_repayment(traveller)
    client = client_for(agreement.learner)
    url = f"/api/v1/repayments/agreements/{agreement.pk}/declarations"
    ok = client.post(
        url,
        {
            "period": "2026-10",
            "gross_income": "900000",
            "evidence": SimpleUploadedFile("payslip.png", PNG, content_type="image/png"),
        },
        format="multipart",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["evidence"]["content_type"] == "image/png"
    assert ok.json()["gross_income"] == 900_000

    disguised = client.post(
        url,
        {
            "period": "2026-11",
            "gross_income": "900000",
            "evidence": SimpleUploadedFile(
                "payslip.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"
            ),
        },
        format="multipart",
    )
    assert disguised.status_code == 400
    assert disguised.json()["code"] == "evidence_type_not_allowed"
    too_big = client.post(
        url,
        {
            "period": "2026-11",
            "gross_income": "900000",
            "evidence": SimpleUploadedFile(
                "big.pdf", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024), "application/pdf"
            ),
        },
        format="multipart",
    )
    assert too_big.status_code == 400
    assert too_big.json()["code"] == "evidence_too_large"
    for body, field_or_code in (
        ({"period": "2026-11", "gross_income": "9000.50"}, "gross_income"),
        ({"period": "2026-11", "gross_income": "-1"}, "gross_income"),
        ({"period": "2026-11", "gross_income": "٩٠٠"}, "gross_income"),  # Arabic-Indic digits
        ({"period": "2026-13", "gross_income": "1"}, "period"),
        ({"period": "2027-01", "gross_income": "1"}, "period_not_declarable"),  # not begun
        ({"period": "2026-09", "gross_income": "1"}, "period_not_declarable"),  # before start
    ):
        response = client.post(url, body, format="multipart")
        assert response.status_code == 400, body
        error = response.json()
        assert error["code"] == field_or_code or field_or_code in error["extra"].get("fields", {})
    listed = client.get(url).json()
    assert [d["period"] for d in listed] == ["2026-10"]


def test_a_declaration_can_be_corrected_until_it_is_assessed(traveller: Any) -> None:
    agreement = in_repayment(traveller)
    declare(agreement, dt.date(2026, 11, 1), 900_000)
    declare(agreement, dt.date(2026, 11, 1), 450_000)
    repayments_assess_due(today=dt.date(2026, 12, 1))
    assert charges(agreement) == [76_500]  # 17 % of $4,500
    response = client_for(agreement.learner).post(
        f"/api/v1/repayments/agreements/{agreement.pk}/declarations",
        {"period": "2026-11", "gross_income": 1},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "period_already_assessed"


def test_missing_declarations_remind_then_flag_and_are_never_charged(
    traveller: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world, agreement = bootcamp(traveller)
    flagged_url = (
        f"/api/v1/funder/programmes/{world.programme.pk}/repayment-agreements?flagged=true"
    )
    for year, month, reminded, flagged in (
        (2026, 11, 0, False),  # October missing: one month
        (2026, 12, 1, False),  # two months missing: reminded by email
        (2027, 1, 1, True),  # still missing a month later: flagged to the funder
        (2027, 2, 1, True),
    ):
        traveller.move_to(first_of_month(year, month))
        with django_capture_on_commit_callbacks(execute=True):
            repayments_assess_due(today=dt.date(year, month, 1))
        agreement.refresh_from_db()
        assert len(mail.outbox) == reminded, (year, month)
        assert (agreement.declaration_flagged_at is not None) is flagged
        officer = APIClient()  # signs in each month: a session does not last for months
        officer.credentials(HTTP_X_SESSION_TOKEN=sign_in_with_totp(world.officer))
        ids = [a["id"] for a in officer.get(flagged_url).json()["results"]]
        assert ids == ([agreement.pk] if flagged else [])
    reminder = mail.outbox[0]
    assert reminder.subject == "[Skills Wallet] Please declare your income for 2026-10, 2026-11"
    assert "Nothing is charged for a month you have not declared" in str(reminder.body)
    html = str(getattr(reminder, "alternatives", [("", "")])[0][0])
    assert "<strong>2026-10, 2026-11</strong>" in html
    assert mail.outbox[0].to == [agreement.learner.email]
    assert not RepaymentCharge.objects.exists()
    assert agreement.assessments.count() == 0

    # Declaring catches up: each month is assessed, and the flag is lifted.
    for period in ("2026-10", "2026-11", "2026-12", "2027-01"):
        year, month = (int(part) for part in period.split("-"))
        declare(agreement, dt.date(year, month, 1), 900_000)
    agreement.refresh_from_db()
    assert agreement.declaration_flagged_at is None
    repayments_assess_due(today=dt.date(2027, 2, 1))
    assert charges(agreement) == [153_000] * 4


# --- Statements --------------------------------------------------------------------------------


def test_the_funder_sees_statements_of_its_programmes_only(traveller: Any) -> None:
    world, agreement = bootcamp(traveller)
    traveller.move_to(first_of_month(2027, 1))
    repayments_assess_due(today=dt.date(2027, 1, 1))
    agreement.refresh_from_db()
    declare(agreement, dt.date(2026, 10, 1), 900_000)
    declare(agreement, dt.date(2026, 11, 1), 100_000)
    repayments_assess_due(today=dt.date(2027, 1, 1))

    auditor = FunderMembershipFactory.create(funder=world.programme.funder, role="auditor").user
    for client in (client_for(world.officer, mfa=True), client_for(auditor, mfa=True)):
        listed = client.get(
            f"/api/v1/funder/programmes/{world.programme.pk}/repayment-agreements"
        ).json()
        assert [a["id"] for a in listed["results"]] == [agreement.pk]
        assert listed["results"][0]["total_charged"] == 153_000
        statement = client.get(f"/api/v1/funder/repayment-agreements/{agreement.pk}").json()
        assert statement["payments"] == [
            {
                "number": 1,
                "period": "2026-10",
                "amount": 153_000,
                "status": "owed",
                "created_at": statement["payments"][0]["created_at"],
            }
        ]
        assert statement["paused_periods"] == ["2026-11"]
        assert statement["missing_periods"] == ["2026-12"]
        assert [p["status"] for p in statement["schedule"]] == [
            "due",
            "paused",
            "not_declared",
            "open",
        ]
        assert statement["remaining_to_cap"] == 3_000_000 - 153_000
        assert statement["debt_outstanding"] == 1_000_000 - 153_000
        assert statement["write_off_on"] == "2031-10-01"
        assert statement["payments_remaining"] == 23
        deferral = client.get(f"/api/v1/funder/programmes/{world.programme.pk}/deferral").json()
        assert deferral["debt_outstanding"] == 847_000
        assert deferral["owed"] == 153_000

    stranger = client_for(FunderMembershipFactory.create().user, mfa=True)
    assert stranger.get(f"/api/v1/funder/repayment-agreements/{agreement.pk}").status_code == 404
    learner_statement = client_for(agreement.learner).get(
        f"/api/v1/repayments/agreements/{agreement.pk}"
    )
    assert learner_statement.json()["total_charged"] == 153_000
    assert (
        client_for(world.learner()).get(f"/api/v1/repayments/agreements/{agreement.pk}").status_code
        == 404
    )
    totals = LedgerEntry.objects.filter(account_id=agreement.owed_account_id).aggregate(
        total=Sum("amount")
    )
    assert totals["total"] == 153_000


def test_the_monthly_job_is_scheduled_on_the_first_of_each_month() -> None:
    from django.conf import settings

    from config.celery_app import app

    entry = settings.CELERY_BEAT_SCHEDULE["assess-repayments"]
    assert entry["task"] == "payments.assess_repayments"
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"].day_of_month == {1}
    assert entry["schedule"].hour == {6}
