"""The audit trail (who, when, what, before/after), the stored ledger verification and the
auditors' sampling endpoint."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import AuditRecord
from providers.services import provider_set_status
from tests.audit.test_flags import _low_attendance_flag, _started
from tests.enrolments.helpers import make_world
from tests.factories import FunderMembershipFactory, ProviderFactory, UserFactory
from tests.helpers import client_for
from wallets.models import LedgerVerificationRun
from wallets.services import programme_close
from wallets.tasks import verify_ledger

pytestmark = pytest.mark.django_db


def _actions(programme_id: int) -> list[str]:
    return list(
        AuditRecord.objects.filter(programme_id=programme_id)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_programme_money_and_state_changes_are_recorded_with_who_and_before_after() -> None:
    world = make_world()
    learner = world.learner()
    actions = _actions(world.programme.pk)
    assert actions[:5] == [
        "programme.create",
        "programme.fund",
        "programme.activate",
        "programme.approve_provider",
        "grant.create",
    ]
    activate = AuditRecord.objects.get(action="programme.activate")
    assert (activate.actor_id, activate.before, activate.after) == (
        world.officer.pk,
        {"status": "draft"},
        {"status": "active", "reason": ""},
    )
    assert activate.funder_id == world.programme.funder_id
    grant = AuditRecord.objects.get(action="grant.create")
    assert grant.after["learner_id"] == learner.pk
    assert grant.after["amount"] == world.programme.allowance

    programme_close(actor=world.officer, programme=world.programme, reason="Budget spent")
    close = AuditRecord.objects.get(action="programme.close")
    assert (close.before, close.after) == (
        {"status": "active"},
        {"status": "closed", "reason": "Budget spent"},
    )


def test_enrolment_transitions_milestones_and_outcome_decisions_are_recorded() -> None:
    world = make_world()
    (enrolment,) = _started(world, 1, days=1)
    accept = AuditRecord.objects.get(action="enrolment.accept", object_id=str(enrolment.pk))
    assert (accept.actor_id, accept.before, accept.after["status"]) == (
        enrolment.learner_id,
        {"status": "offered"},
        "accepted",
    )
    assert accept.programme_id == world.programme.pk
    paid = AuditRecord.objects.filter(
        action="enrolment.milestone_paid", object_id=str(enrolment.pk)
    )
    assert [r.after["amount"] for r in paid] == [enrolment.milestone_payments.get().amount]


def test_an_action_rolled_back_leaves_no_record() -> None:
    world = make_world()
    before = AuditRecord.objects.count()

    def close_then_fail() -> None:
        with transaction.atomic():
            programme_close(actor=world.officer, programme=world.programme, reason="Mistake")
            assert AuditRecord.objects.filter(action="programme.close").exists()
            raise RuntimeError("the request failed after the service ran")

    with pytest.raises(RuntimeError):
        close_then_fail()
    assert AuditRecord.objects.count() == before
    world.programme.refresh_from_db()
    assert world.programme.status == "active"


def test_provider_status_changes_are_recorded() -> None:
    staff = UserFactory.create(is_staff=True)
    provider = ProviderFactory.create()
    provider_set_status(actor=staff, provider=provider, status="suspended", reason="Complaints")
    record = AuditRecord.objects.get(action="provider.set_status")
    assert (record.actor_id, record.object_id) == (staff.pk, str(provider.pk))
    assert (record.before, record.after) == (
        {"status": "approved"},
        {"status": "suspended", "reason": "Complaints"},
    )


def test_audit_records_are_never_edited_or_deleted() -> None:
    make_world()
    record = AuditRecord.objects.first()
    assert record is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(action="tampered")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).delete()


def test_trail_api_for_officers_and_auditors_with_request_ids_and_404_elsewhere() -> None:
    world = make_world()
    flag = _low_attendance_flag(world)
    officer = client_for(world.officer, mfa=True)
    cleared = officer.post(
        f"/api/v1/audit/flags/{flag.pk}/clear",
        {"note": "Checked"},
        format="json",
        HTTP_X_REQUEST_ID="req-audit-1",
    )
    assert cleared.status_code == 200
    auditor = FunderMembershipFactory.create(funder=world.programme.funder, role="auditor").user
    url = f"/api/v1/audit/programmes/{world.programme.pk}/trail"
    page = client_for(auditor, mfa=True).get(url, {"page_size": 2}).json()
    newest = page["results"][0]
    assert (newest["action"], newest["request_id"], newest["actor_id"]) == (
        "anomaly_flag.clear",
        "req-audit-1",
        world.officer.pk,
    )
    assert page["next"]
    everything = officer.get(url, {"page_size": 200}).json()["results"]
    assert len(everything) == AuditRecord.objects.filter(programme_id=world.programme.pk).count()
    assert client_for(FunderMembershipFactory.create().user, mfa=True).get(url).status_code == 404
    learner = UserFactory.create()
    assert client_for(learner).get(url).status_code in (403, 404)


def test_ledger_verification_runs_are_kept_and_the_latest_shown_to_funders() -> None:
    world = make_world()
    officer = client_for(world.officer, mfa=True)
    url = "/api/v1/audit/ledger-verification"
    assert officer.get(url).status_code == 404  # never run yet

    call_command("ledger_verify", stdout=io.StringIO())
    assert verify_ledger() is True
    runs = list(LedgerVerificationRun.objects.order_by("pk"))
    assert [(r.trigger, r.ok) for r in runs] == [("command", True), ("schedule", True)]
    assert runs[0].accounts_checked > 0

    shown = officer.get(url).json()
    assert (shown["ok"], shown["trigger"], shown["breaks"]) == (True, "schedule", 0)
    assert shown["finished_at"] <= timezone.now().isoformat().replace("+00:00", "Z")
    outsider = client_for(UserFactory.create())
    assert outsider.get(url).status_code in (403, 404)


def test_sampling_endpoint_gives_auditors_the_seed_and_refuses_officers() -> None:
    world = make_world()
    auditor = FunderMembershipFactory.create(funder=world.programme.funder, role="auditor").user
    url = f"/api/v1/audit/programmes/{world.programme.pk}/sampling"
    body = client_for(auditor, mfa=True).get(url).json()
    assert body["seed"] == world.programme.sampling_seed
    assert (body["decisions"], body["mismatches"]) == (0, [])
    assert client_for(world.officer, mfa=True).get(url).status_code == 403
    other = FunderMembershipFactory.create(role="auditor").user
    assert client_for(other, mfa=True).get(url).status_code == 404


def test_funder_memberships_changed_in_the_admin_are_recorded() -> None:
    from tests.config.test_admin import _change_form, _superuser
    from tests.helpers import admin_client_for
    from wallets.models import FunderMembership

    world = make_world()
    funder = world.programme.funder
    staff = _superuser()
    client = admin_client_for(staff)
    url = f"/admin/wallets/funder/{funder.pk}/change/"
    newcomer = UserFactory.create()
    data = _change_form(client, url)
    prefix = "memberships"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-user"] = str(newcomer.pk)
    data[f"{prefix}-{total}-role"] = "auditor"
    data[f"{prefix}-{total}-funder"] = str(funder.pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    added = AuditRecord.objects.get(action="funder.membership_add")
    assert (added.actor_id, added.funder_id, added.after) == (
        staff.pk,
        funder.pk,
        {"user_id": newcomer.pk, "role": "auditor"},
    )

    membership = FunderMembership.objects.get(user=newcomer)
    data = _change_form(client, url)
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-id") and str(value) == str(membership.pk)
    )
    data[f"{prefix}-{index}-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    removed = AuditRecord.objects.get(action="funder.membership_remove")
    assert removed.before == {"user_id": newcomer.pk, "role": "auditor"}
    assert not FunderMembership.objects.filter(user=newcomer).exists()
