"""Bulk grant imports: validated whole, posted in batches from a checkpoint, cancellable."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import FunderMembershipFactory, UserFactory, make_programme
from tests.helpers import client_for
from tests.wallets.import_helpers import (
    assert_credited_once,
    budget_balance,
    csv_of,
    make_learners,
)
from users.models import User
from wallets.models import (
    FunderMembership,
    FundingProgramme,
    Grant,
    GrantImport,
    LedgerTransaction,
    ProgrammeApplication,
    WalletPot,
)
from wallets.services import imports
from wallets.services.imports import (
    grant_import_cancel,
    grant_import_create,
    grant_import_from_rule,
    grant_import_post_batch,
    grant_import_run,
    row_key,
)
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db

BUDGET = 10_000_000


@pytest.fixture
def programme() -> FundingProgramme:
    return make_programme(budget=BUDGET, allowance=1_000, regions=["West Midlands"])


@pytest.fixture
def officer(programme: FundingProgramme) -> User:
    return programme.funder.memberships.get().user


def _create(officer: User, programme: FundingProgramme, data: Any, **kwargs: Any) -> GrantImport:
    return grant_import_create(
        actor=officer, programme=programme, stream=data, enqueue=False, **kwargs
    )


# --- Refusals first -----------------------------------------------------------------------


def test_a_file_with_a_bad_row_is_invalid_and_nothing_moves(
    programme: FundingProgramme, officer: User
) -> None:
    learners = make_learners(5)
    staff = UserFactory.create(email="staff@example.org", is_staff=True)
    member = FunderMembershipFactory.create(funder=programme.funder).user
    text = "email,amount\n" + "".join(f"{u.email},500\n" for u in learners)
    text += f"nobody@example.org,5\n{learners[0].email},5\nnot-an-email,5\n"
    text += f"{learners[1].email.upper()},x\n"
    text += f"{staff.email},5\n{member.email},5\n{officer.email},5\n{learners[2].email.upper()},5\n"
    grant_import = _create(officer, programme, _bytes(text))
    assert grant_import.status == GrantImport.Status.INVALID
    assert grant_import.total_rows == 13
    assert grant_import.valid_rows == 5
    reasons = {e["line"]: e["reason"] for e in grant_import.errors}
    assert reasons == {
        7: "no learner has this email",
        8: "duplicate of line 2",
        9: "not a valid email address",
        10: "amount must be a whole number of pence from 1 to 1000",
        11: "platform staff cannot receive grants",
        12: "members of the funder cannot receive its grants",
        13: "you cannot grant funds to yourself",
        14: "duplicate of line 4",
    }
    assert not Grant.objects.exists()
    assert budget_balance(programme) == BUDGET
    # Running it does nothing: it never started posting.
    grant_import_run(grant_import.pk)
    assert not Grant.objects.exists()


def _bytes(text: str) -> Any:
    import io

    return io.BytesIO(text.encode())


def test_a_file_larger_than_the_budget_is_refused_whole(officer: User) -> None:
    programme = make_programme(budget=2_500, allowance=1_000)
    officer = programme.funder.memberships.get().user
    grant_import = _create(officer, programme, csv_of(make_learners(3)))
    assert grant_import.status == GrantImport.Status.INVALID
    assert "budget holds £25.00" in grant_import.status_reason
    assert not Grant.objects.exists()


def test_an_auditor_or_another_funder_cannot_import(programme: FundingProgramme) -> None:
    from core.errors import Forbidden

    auditor = FunderMembershipFactory.create(
        funder=programme.funder, role=FunderMembership.Role.AUDITOR
    ).user
    with pytest.raises(Forbidden):
        _create(auditor, programme, csv_of(make_learners(1)))
    stranger = make_programme().funder.memberships.get().user
    with pytest.raises(Forbidden):
        _create(stranger, programme, csv_of(make_learners(1, "x")))
    assert not GrantImport.objects.exists()


def test_a_csv_without_an_email_column_is_refused(
    programme: FundingProgramme, officer: User
) -> None:
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        _create(officer, programme, _bytes("name,amount\nA,5\n"))
    assert not GrantImport.objects.exists()


# --- Posting ------------------------------------------------------------------------------


def test_an_import_posts_in_batches_and_every_row_is_credited_once(
    programme: FundingProgramme, officer: User
) -> None:
    learners = make_learners(23)
    grant_import = _create(officer, programme, csv_of(learners, 400))
    assert grant_import.status == GrantImport.Status.POSTING
    assert grant_import.total_amount == 23 * 400
    batches: list[int] = []
    final = grant_import_run(
        grant_import.pk, size=5, on_batch=lambda g: batches.append(g.rows_done)
    )
    assert batches == [5, 10, 15, 20, 23, 23]
    assert final.status == GrantImport.Status.DONE
    assert (final.rows_done, final.posted_amount) == (23, 23 * 400)
    assert_credited_once(programme, learners, 400)
    assert budget_balance(programme) == BUDGET - 23 * 400
    first = Grant.objects.get(learner=learners[0])
    assert first.transaction.idempotency_key == row_key(grant_import.pk, 2)
    assert first.pot.account.owner_programme_id == programme.pk
    assert first.granted_by_id == officer.pk
    assert ledger_verify().ok


def test_a_crash_in_the_middle_resumes_and_credits_every_row_exactly_once(
    programme: FundingProgramme, officer: User
) -> None:
    learners = make_learners(30)
    grant_import = _create(officer, programme, csv_of(learners))
    real = imports._grant_rows
    calls = 0

    def crash_on_third(*args: Any) -> None:
        nonlocal calls
        calls += 1
        real(*args)
        if calls == 3:
            raise RuntimeError("worker lost")  # after the posting, before the checkpoint

    with mock.patch.object(imports, "_grant_rows", crash_on_third), pytest.raises(RuntimeError):
        grant_import_run(grant_import.pk, size=7)
    grant_import.refresh_from_db()
    assert grant_import.rows_done == 14  # two batches committed; the third rolled back whole
    assert Grant.objects.filter(programme=programme).count() == 14
    final = grant_import_run(grant_import.pk, size=7)
    assert final.status == GrantImport.Status.DONE
    assert final.rows_done == 30
    assert_credited_once(programme, learners, 1_000)
    assert budget_balance(programme) == BUDGET - 30 * 1_000
    assert ledger_verify().ok


def test_two_workers_on_one_import_credit_nobody_twice(
    programme: FundingProgramme, officer: User
) -> None:
    learners = make_learners(12)
    grant_import = _create(officer, programme, csv_of(learners))
    assert grant_import_post_batch(grant_import.pk, size=5)
    # A second worker that read an old checkpoint replays the same rows: keyed, it posts nothing
    # twice; rows already granted are skipped.
    GrantImport.objects.filter(pk=grant_import.pk).update(posted_through=0, rows_done=0)
    final = grant_import_run(grant_import.pk, size=5)
    assert final.rows_done + final.skipped_rows == 12
    assert final.skipped_rows == 5
    assert_credited_once(programme, learners, 1_000)
    assert ledger_verify().ok


def test_a_learner_granted_meanwhile_is_skipped(programme: FundingProgramme, officer: User) -> None:
    from wallets.services import grant_create

    learners = make_learners(4)
    grant_import = _create(officer, programme, csv_of(learners))
    grant_create(actor=officer, programme=programme, learner=learners[2])
    final = grant_import_run(grant_import.pk)
    assert (final.rows_done, final.skipped_rows) == (3, 1)
    assert_credited_once(programme, learners, 1_000)


def test_a_budget_drained_meanwhile_stops_the_import_and_resume_continues(
    officer: User, django_capture_on_commit_callbacks: Any
) -> None:
    programme = make_programme(budget=5_000, allowance=1_000)
    officer = programme.funder.memberships.get().user
    learners = make_learners(5)
    grant_import = _create(officer, programme, csv_of(learners))
    other = make_learners(3, "other")
    from wallets.services import grant_create, programme_fund

    grant_create(actor=officer, programme=programme, learner=other[0])
    final = grant_import_run(grant_import.pk, size=2)
    assert final.status == GrantImport.Status.STOPPED
    assert final.rows_done == 4
    assert "fund the programme" in final.status_reason
    programme_fund(actor=officer, programme=programme, amount=1_000)
    from wallets.services.imports import grant_import_resume

    with django_capture_on_commit_callbacks(execute=True):
        grant_import_resume(actor=officer, grant_import=final)  # eager: runs to the end
    final.refresh_from_db()
    assert final.status == GrantImport.Status.DONE
    assert_credited_once(programme, learners, 1_000)


def test_every_eligible_applicant_of_a_region_from_a_rule(
    programme: FundingProgramme, officer: User
) -> None:
    import datetime as dt

    from django.utils import timezone

    learners = make_learners(4)
    facts = {
        "date_of_birth": dt.date(1990, 1, 1),
        "postcode": "B1 1AA",
        "employment_status": "employed",
        "highest_qualification_level": 2,
    }
    apps = [
        ProgrammeApplication.objects.create(
            programme=programme, learner=u, region="West Midlands", **facts
        )
        for u in learners[:2]
    ]
    young = {**facts, "date_of_birth": timezone.localdate() - dt.timedelta(days=365 * 16)}
    ProgrammeApplication.objects.create(
        programme=programme, learner=learners[2], region="West Midlands", **young
    )
    ProgrammeApplication.objects.create(
        programme=programme, learner=learners[3], region="Tees Valley", **facts
    )
    grant_import = grant_import_from_rule(
        actor=officer, programme=programme, region="West Midlands", enqueue=False
    )
    assert grant_import.valid_rows == 2
    grant_import_run(grant_import.pk)
    assert_credited_once(programme, learners[:2], 1_000)
    assert not Grant.objects.filter(learner__in=learners[2:]).exists()
    for application in apps:
        application.refresh_from_db()
        assert application.status == ProgrammeApplication.Status.APPROVED
        assert application.grant.amount == 1_000


# --- Cancelling ---------------------------------------------------------------------------


def test_a_cancelled_import_returns_every_pound(programme: FundingProgramme, officer: User) -> None:
    learners = make_learners(17)
    grant_import = _create(officer, programme, csv_of(learners, 700))
    grant_import_run(grant_import.pk, size=5)
    assert budget_balance(programme) == BUDGET - 17 * 700
    grant_import_cancel(actor=officer, grant_import=grant_import, enqueue=False)
    final = grant_import_run(grant_import.pk, size=4)
    assert final.status == GrantImport.Status.CANCELLED
    assert (final.rows_reversed, final.reversed_amount) == (17, 17 * 700)
    assert budget_balance(programme) == BUDGET
    reversals = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REVERSAL)
    assert reversals.count() == 17
    assert set(reversals.values_list("reverses__grant__learner", flat=True)) == {
        u.pk for u in learners
    }
    for pot in WalletPot.objects.filter(programme=programme).select_related("account"):
        assert pot.account.balance == 0
        assert pot.status == WalletPot.Status.EXPIRED
    assert ledger_verify().ok


def test_cancelling_in_the_middle_stops_posting_and_reverses_what_was_posted(
    programme: FundingProgramme, officer: User
) -> None:
    learners = make_learners(20)
    grant_import = _create(officer, programme, csv_of(learners))
    grant_import_post_batch(grant_import.pk, size=6)
    grant_import_post_batch(grant_import.pk, size=6)
    grant_import_cancel(actor=officer, grant_import=grant_import, enqueue=False)
    final = grant_import_run(grant_import.pk, size=6)
    assert final.status == GrantImport.Status.CANCELLED
    assert (final.rows_done, final.rows_reversed) == (12, 12)
    assert budget_balance(programme) == BUDGET
    assert Grant.objects.filter(programme=programme).count() == 12  # kept, each reversed
    assert ledger_verify().ok


def test_a_pot_already_spent_from_is_reported_not_overdrawn(
    programme: FundingProgramme, officer: User
) -> None:
    from tests.wallets.ledger_helpers import new_account
    from wallets.ledger import ledger_post

    learners = make_learners(3)
    grant_import = _create(officer, programme, csv_of(learners))
    grant_import_run(grant_import.pk)
    pot = Grant.objects.get(learner=learners[1]).pot
    ledger_post(
        kind="spend",
        currency="GBP",
        lines=[(pot.account_id, -300), (new_account(kind="provider_payable"), 300)],
    )
    grant_import_cancel(actor=officer, grant_import=grant_import, enqueue=False)
    final = grant_import_run(grant_import.pk)
    assert final.status == GrantImport.Status.CANCELLED
    assert final.rows_reversed == 2
    assert "£10.00" in final.status_reason
    assert budget_balance(programme) == BUDGET - 1_000
    assert ledger_verify().ok


# --- The command and the API --------------------------------------------------------------


def test_the_command_imports_a_file_with_a_progress_bar(
    programme: FundingProgramme, officer: User, tmp_path: Any, capsys: Any
) -> None:
    learners = make_learners(9)
    path = tmp_path / "grants.csv"
    path.write_bytes(csv_of(learners, 250).getvalue())
    call_command("grants_import", str(programme.pk), str(path), officer=officer.email, batch_size=4)
    captured = capsys.readouterr()
    assert "9 granted" in captured.out
    assert "9/9 rows" in captured.err
    assert_credited_once(programme, learners, 250)


def _officer_client(programme: FundingProgramme) -> APIClient:
    return client_for(programme.funder.memberships.get().user, mfa=True)


def test_the_api_imports_shows_progress_and_cancels(
    programme: FundingProgramme, django_capture_on_commit_callbacks: Any
) -> None:
    learners = make_learners(6)
    client = _officer_client(programme)
    upload = SimpleUploadedFile("grants.csv", csv_of(learners, 100).getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/funder/programmes/{programme.pk}/grant-imports",
            {"file": upload},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="import-1",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "posting"  # validated; posting runs once the request commits
    assert body["progress"]["rows_total"] == 6
    detail = client.get(f"/api/v1/funder/grant-imports/{body['id']}")
    assert detail.status_code == 200
    assert detail.json()["status"] == "done"
    assert detail.json()["rows_done"] == 6
    assert detail.json()["progress"]["rows_done"] == detail.json()["progress"]["rows_total"] == 6
    assert set(detail.json()["progress"]) == {
        "rows_done",
        "rows_total",
        "rows_per_second",
        "seconds_left",
    }
    with django_capture_on_commit_callbacks(execute=True):
        cancel = client.post(
            f"/api/v1/funder/grant-imports/{body['id']}/cancel", HTTP_IDEMPOTENCY_KEY="cancel-1"
        )
    assert cancel.status_code == 202, cancel.content
    assert cancel.json()["status"] == "cancelling"
    cancelled = client.get(f"/api/v1/funder/grant-imports/{body['id']}").json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["reversed_amount"] == 600
    assert budget_balance(programme) == BUDGET


def test_an_officer_of_another_funder_gets_404(programme: FundingProgramme) -> None:
    officer = programme.funder.memberships.get().user
    grant_import = _create(officer, programme, csv_of(make_learners(2)))
    stranger = _officer_client(make_programme())
    assert stranger.get(f"/api/v1/funder/grant-imports/{grant_import.pk}").status_code == 404
    response = stranger.post(
        f"/api/v1/funder/grant-imports/{grant_import.pk}/cancel", HTTP_IDEMPOTENCY_KEY="c"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = stranger.post(
        f"/api/v1/funder/programmes/{programme.pk}/grant-imports",
        {"region": "West Midlands"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r",
    )
    assert response.status_code == 404
    grant_import.refresh_from_db()
    assert grant_import.status == GrantImport.Status.POSTING


def test_the_api_refuses_a_request_with_neither_file_nor_region(
    programme: FundingProgramme,
) -> None:
    client = _officer_client(programme)
    response = client.post(
        f"/api/v1/funder/programmes/{programme.pk}/grant-imports",
        {},
        format="json",
        HTTP_IDEMPOTENCY_KEY="empty",
    )
    assert response.status_code == 400
    assert {"detail", "code", "extra"} <= set(response.json())
    assert not GrantImport.objects.exists()
