"""The reports' summaries change nothing but speed: the same figures before and after a
refresh, and entries posted after it are read live above the watermark."""

from __future__ import annotations

from typing import Any

import pytest

from audit.reports.catalogue import REPORTS
from audit.reports.summaries import summaries_refresh, summarised_id
from audit.tasks import refresh_report_summaries
from tests.audit.helpers import WIDE, everything_world, finished, report_url
from tests.helpers import client_for
from tests.wallets.import_helpers import csv_of, make_learners
from wallets.models import LedgerEntry
from wallets.services.imports import grant_import_create, grant_import_run
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def everything(client: Any, programme_id: int) -> dict[str, Any]:
    return {
        name: client.get(report_url(programme_id, name), WIDE).json()["rows"] for name in REPORTS
    }


def test_reports_read_the_same_before_and_after_the_summaries_catch_up() -> None:
    world = everything_world()
    client = client_for(world.officer, mfa=True)
    live = everything(client, world.programme.pk)
    # The first refresh notes the last entry; the next, with nothing older in flight,
    # summarises everything up to it.
    summaries_refresh()
    assert refresh_report_summaries() == LedgerEntry.objects.latest("pk").pk == summarised_id()
    assert everything(client, world.programme.pk) == live

    # A place finished after the summary: read live above the watermark, added exactly.
    finished(world, world.learner())
    after = everything(client, world.programme.pk)
    paid = {row["figure"]: row["amount"] for row in after["totals"]}["paid_to_providers"]
    assert paid == 760_000 + 400_000
    assert sum(row["paid"] for row in after["spend-by-provider"]) == paid
    summaries_refresh()
    summaries_refresh()
    assert summarised_id() == LedgerEntry.objects.latest("pk").pk
    assert everything(client, world.programme.pk) == after


def test_a_refresh_with_nothing_new_changes_nothing() -> None:
    world = everything_world()
    summaries_refresh()
    first = summaries_refresh()
    assert summaries_refresh() == first
    assert summaries_refresh() == first
    assert first == LedgerEntry.objects.latest("pk").pk
    assert world.programme.pk


def test_batched_import_grants_are_counted_exactly_above_and_below_the_watermark() -> None:
    world = everything_world()
    client = client_for(world.officer, mfa=True)
    summaries_refresh()
    summaries_refresh()
    before = {
        row["figure"]: row["amount"] for row in everything(client, world.programme.pk)["totals"]
    }
    learners = make_learners(7, prefix="imported")
    grant_import = grant_import_create(
        actor=world.officer,
        programme=world.programme,
        stream=csv_of(learners, amount=25_000),
        enqueue=False,
    )
    grant_import_run(grant_import.pk, size=3)  # three batches through ledger_post_batch
    live = everything(client, world.programme.pk)
    granted = {row["figure"]: row["amount"] for row in live["totals"]}["granted"]
    assert granted == before["granted"] + 7 * 25_000
    summaries_refresh()
    summaries_refresh()
    assert summarised_id() == LedgerEntry.objects.latest("pk").pk
    assert everything(client, world.programme.pk) == live
    assert ledger_verify().ok
