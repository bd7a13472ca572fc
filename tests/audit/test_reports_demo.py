"""The demo's programmes: every report's totals equal the ledger's balances to the penny."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from audit.reports.catalogue import REPORTS
from tests.audit.helpers import WIDE, report_url
from tests.factories import FunderMembershipFactory
from tests.helpers import client_for
from wallets.models import FundingProgramme, LedgerAccount
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def test_the_demos_reports_reconcile_with_the_ledger(settings: Any) -> None:
    settings.DEBUG = True  # demo_load runs only in local development
    call_command("demo_load", stdout=io.StringIO())
    assert ledger_verify().ok
    programmes = list(FundingProgramme.objects.select_related("funder", "budget_account"))
    assert programmes
    paid_somewhere = False
    for programme in programmes:
        auditor = FunderMembershipFactory.create(funder=programme.funder, role="auditor")
        client = client_for(auditor.user, mfa=True)
        response = client.get(report_url(programme.pk, "totals"), WIDE)
        assert response.status_code == 200
        totals = {row["figure"]: row["amount"] for row in response.json()["rows"]}
        balances = dict(
            LedgerAccount.objects.filter(owner_programme=programme)
            .values_list("kind")
            .annotate(total=Sum("balance"))
            .values_list("kind", "total")
        )
        assert totals["remaining"] == balances.get("programme_budget", 0)
        assert totals["in_pots"] == balances.get("wallet_pot", 0)
        assert totals["held_in_escrow"] == balances.get("escrow_hold", 0)
        assert totals["funded"] == (
            totals["remaining"]
            + totals["in_pots"]
            + totals["held_in_escrow"]
            + totals["paid_to_providers"]
        )
        for name in ("spend-by-provider", "spend-by-course", "spend-by-month"):
            rows = client.get(report_url(programme.pk, name), WIDE).json()["rows"]
            assert sum(row["paid"] for row in rows) == totals["paid_to_providers"], name
        paid_somewhere = paid_somewhere or totals["paid_to_providers"] > 0
        for name in REPORTS:
            assert client.get(report_url(programme.pk, name, csv=True), WIDE).status_code == 200
    assert paid_somewhere  # the demo pays providers, so the sums above are not all zero
