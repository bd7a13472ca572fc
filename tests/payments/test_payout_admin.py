"""Staff see payouts, connected accounts and reconciliation runs in the admin, read-only:
they change only through the payout services and Stripe's answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from payments.models import ConnectedAccount, Payout, ReconciliationRun
from payments.reconciliation import Difference, Record, reconciliation_store
from payments.services.payouts import payouts_run
from tests.factories import UserFactory
from tests.helpers import admin_client_for
from tests.payments.payouts_helpers import FakeConnectGateway, connect, make_payout_world

pytestmark = pytest.mark.django_db
__all__ = ["connect"]  # the fixture


@pytest.fixture
def staff() -> Client:
    return admin_client_for(UserFactory.create(is_staff=True, is_superuser=True))


def test_payouts_and_reconciliation_runs_are_shown_and_cannot_be_edited(
    staff: Client, connect: FakeConnectGateway
) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    payouts_run()
    payout = Payout.objects.get()
    record = Record("transfer", "stripe:tr_9", "tr_9", 5_000, "GBP", "paid")
    run = reconciliation_store(
        since=timezone.now() - dt.timedelta(days=1),
        differences=[Difference("transfer", "stripe:tr_9", "missing_ours", None, record)],
    )
    account = ConnectedAccount.objects.get()
    for model, pk, shows in (
        ("payout", payout.pk, "tr_1"),
        ("connectedaccount", account.pk, str(account.stripe_account_id)),
        ("reconciliationrun", run.pk, "stripe:tr_9"),
    ):
        changelist = staff.get(f"/admin/payments/{model}/")
        assert changelist.status_code == 200
        page = staff.get(f"/admin/payments/{model}/{pk}/change/")
        assert page.status_code == 200
        assert shows in page.content.decode()
        assert staff.get(f"/admin/payments/{model}/add/").status_code == 403
        assert 'name="_save"' not in page.content.decode()
    before = Payout.objects.values().get()
    staff.post(f"/admin/payments/payout/{payout.pk}/change/", {"status": "failed"})
    assert Payout.objects.values().get() == before
    assert ReconciliationRun.objects.get().differences_count == 1
