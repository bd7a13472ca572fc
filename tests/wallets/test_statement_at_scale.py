"""A learner's statement is a keyset range of the (account, id) index, not a scan of the
ledger: the first page and a page reached by its cursor read the same index."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.wallets.ledger_helpers import external, new_account
from wallets.selectors import wallet_statement_for_learner
from wallets.services.pots import personal_pot_get_or_create, wallet_get_or_create

pytestmark = pytest.mark.django_db


def test_statement_pages_read_the_account_id_index() -> None:
    learner = UserFactory.create()
    pot = personal_pot_get_or_create(wallet=wallet_get_or_create(learner=learner))
    source, other = external(), new_account(allow_negative=True)
    with connection.cursor() as cursor:
        # 200 postings of the learner's among 6,000, through ledger_post().
        cursor.execute(
            """
            SELECT ledger_post('transfer', NULL, '', NULL, '', NULL, 'GBP',
                ARRAY[%(source)s, CASE WHEN g %% 30 = 0 THEN %(pot)s ELSE %(other)s END],
                ARRAY[-100, 100]::bigint[])
            FROM generate_series(1, 6000) AS g ORDER BY g
            """,
            {"source": source.pk, "pot": pot.account_id, "other": other.pk},
        )
        cursor.execute("ANALYZE wallets_ledgerentry")

    client = APIClient()
    client.force_authenticate(learner)
    first = client.get("/api/v1/wallet/statement", {"page_size": 50}).json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == len(second["results"]) == 50
    assert first["results"][-1]["id"] > second["results"][0]["id"]

    statement = wallet_statement_for_learner(user=learner).order_by("-id")
    for page in (statement[:51], statement.filter(id__lt=second["results"][0]["id"])[:51]):
        plan = page.explain()
        assert "ledger_entry_account_id" in plan, plan
        assert "Seq Scan on wallets_ledgerentry" not in plan, plan
