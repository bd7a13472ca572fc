"""Co-payments by card, end to end against a real localstripe: acceptance waits for the card,
Stripe's webhook (signed, stored once, re-read) makes the place accepted, a card that is
declined leaves it waiting until the seat and funds return at expiry."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from enrolments.models import Enrolment, EnrolmentEvent
from enrolments.services.co_payments import co_payments_lapse_due
from payments import gateway
from payments.models import CardPayment, StripeEvent
from tests.helpers import client_for
from tests.payments.card_helpers import (
    CO_PAYMENT,
    Capture,
    accept,
    card_payment,
    co_payment_held,
    co_payment_world,
    deliver,
    pay,
    pot_balance,
)
from wallets.models import LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def card_postings() -> int:
    return LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.CARD_PAYMENT).count()


# --- Refusals first ------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["", "t=1,v1=deadbeef", "garbage"])
def test_a_bad_or_missing_signature_is_a_400_and_changes_nothing(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture, signature: str
) -> None:
    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    event = pay(stripe_settings, enrolment)
    status, body = deliver(django_capture_on_commit_callbacks, event, signature=signature)
    assert status == 400
    assert body["code"] == "bad_signature"
    assert StripeEvent.objects.count() == 0
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PAYMENT_PENDING
    assert card_payment(enrolment).status == CardPayment.Status.OPEN
    assert card_postings() == 0
    assert ledger_verify().ok


def test_a_body_changed_after_signing_is_refused(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    import json

    from tests.stripe_local import sign

    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    event = pay(stripe_settings, enrolment)
    signature = sign(json.dumps(event).encode())
    event["id"] = "evt_forged"
    status, _ = deliver(django_capture_on_commit_callbacks, event, signature=signature)
    assert status == 400
    assert not StripeEvent.objects.exists()


def test_a_declined_card_leaves_the_place_unaccepted_and_seat_and_funds_return_at_expiry(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    world = co_payment_world(capacity=1)
    enrolment = accept(world, django_capture_on_commit_callbacks)
    waiting = accept(world, django_capture_on_commit_callbacks)
    assert waiting.status == Enrolment.Status.WAITLISTED
    learner = enrolment.learner
    assert pot_balance(learner) == 400_000 - enrolment.wallet_part

    event = pay(stripe_settings, enrolment, "pm_card_chargeCustomerFail")
    assert deliver(django_capture_on_commit_callbacks, event)[0] == 200
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PAYMENT_PENDING
    payment = card_payment(enrolment)
    assert payment.status == CardPayment.Status.OPEN
    assert payment.stripe_status == "requires_payment_method"
    assert "declined" in payment.last_error
    world.cohort.refresh_from_db()
    assert world.cohort.seats_taken == 1

    # Not yet due: nothing lapses.
    assert co_payments_lapse_due() == 0
    due = enrolment.payment_due_at
    assert due is not None
    assert due - enrolment.accepted_at == dt.timedelta(minutes=30)  # type: ignore[operator]
    with (
        time_machine.travel(due + dt.timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert co_payments_lapse_due() == 1
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.DECLINED
    assert pot_balance(learner) == 400_000
    world.cohort.refresh_from_db()
    assert world.cohort.seats_taken == 0
    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.OFFERED
    assert EnrolmentEvent.objects.filter(enrolment=enrolment, action="co_payment_lapsed").exists()
    # The intent is cancelled on Stripe, so the learner can no longer pay for a lost place.
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.CANCELED
    assert gateway.payment_intent_retrieve(intent_id=payment.intent_id or "").status == "canceled"
    assert card_postings() == 0
    assert ledger_verify().ok


# --- The co-payment paid ---------------------------------------------------------------------


def test_a_co_payment_is_paid_end_to_end_through_the_webhook(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    assert enrolment.status == Enrolment.Status.PAYMENT_PENDING
    assert (enrolment.co_payment, enrolment.wallet_part) == (CO_PAYMENT, 400_000 - CO_PAYMENT)
    world.cohort.refresh_from_db()
    assert world.cohort.seats_taken == 1

    learner = client_for(enrolment.learner)
    checkout = learner.get(f"/api/v1/enrolments/{enrolment.pk}/checkout")
    assert checkout.status_code == 200, checkout.content
    body = checkout.json()
    payment = card_payment(enrolment)
    assert body["status"] == "open"
    assert body["amount"] == CO_PAYMENT
    assert body["client_secret"] == payment.client_secret != ""
    assert body["publishable_key"].startswith("pk_")
    intent = gateway.payment_intent_retrieve(intent_id=payment.intent_id or "")
    assert (intent.amount, intent.currency, intent.metadata["card_payment"]) == (
        CO_PAYMENT,
        "GBP",
        str(payment.pk),
    )

    event = pay(stripe_settings, enrolment)
    status, answer = deliver(django_capture_on_commit_callbacks, event)
    assert (status, answer) == (200, {"received": True, "duplicate": False})

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACCEPTED
    assert enrolment.payment_due_at is None
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.SUCCEEDED
    assert co_payment_held(enrolment) == CO_PAYMENT
    assert StripeEvent.objects.get().status == StripeEvent.Status.PROCESSED
    assert EnrolmentEvent.objects.filter(enrolment=enrolment, action="co_payment_paid").count() == 1
    # Paid: the learner's checkout no longer hands out the secret; nothing lapses.
    assert learner.get(f"/api/v1/enrolments/{enrolment.pk}/checkout").json()["client_secret"] == ""
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1), tick=False):
        assert co_payments_lapse_due() == 0
    assert ledger_verify().ok


def test_another_learners_checkout_is_a_404(
    stripe_settings: str,  # noqa: ARG001
    django_capture_on_commit_callbacks: Capture,
) -> None:
    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    other = client_for(world.learner())
    answer = other.get(f"/api/v1/enrolments/{enrolment.pk}/checkout")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_the_same_webhook_delivered_three_times_acts_once(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    event = pay(stripe_settings, enrolment)
    answers = [deliver(django_capture_on_commit_callbacks, event) for _ in range(3)]
    assert [a[1]["duplicate"] for a in answers] == [False, True, True]
    assert StripeEvent.objects.count() == 1
    assert card_postings() == 1
    assert co_payment_held(enrolment) == CO_PAYMENT
    assert EnrolmentEvent.objects.filter(enrolment=enrolment, action="co_payment_paid").count() == 1
    assert ledger_verify().ok


def test_out_of_order_events_act_on_the_current_state(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    """A stale `payment_failed` arriving after the payment succeeded changes nothing: the
    handler re-reads the intent from Stripe."""
    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    succeeded = pay(stripe_settings, enrolment)
    # A stale event about the same intent, as if Stripe had sent it before the success.
    stale = {**succeeded, "id": "evt_stale_failure", "type": "payment_intent.payment_failed"}
    stale["data"] = {"object": {**succeeded["data"]["object"], "status": "requires_payment_method"}}
    assert deliver(django_capture_on_commit_callbacks, succeeded)[0] == 200
    assert deliver(django_capture_on_commit_callbacks, stale)[0] == 200
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACCEPTED
    assert card_payment(enrolment).status == CardPayment.Status.SUCCEEDED
    assert card_postings() == 1
    assert StripeEvent.objects.filter(status=StripeEvent.Status.PROCESSED).count() == 2
    assert ledger_verify().ok


def test_a_success_delivered_before_a_stale_failure_is_not_undone_either_way(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    succeeded = pay(stripe_settings, enrolment)
    stale = {**succeeded, "id": "evt_stale_failure", "type": "payment_intent.payment_failed"}
    assert deliver(django_capture_on_commit_callbacks, stale)[0] == 200  # arrives first
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACCEPTED  # Stripe says succeeded: acted on
    assert deliver(django_capture_on_commit_callbacks, succeeded)[0] == 200
    assert card_postings() == 1
    assert ledger_verify().ok


def test_unknown_event_types_are_acknowledged_and_ignored(
    stripe_settings: str,  # noqa: ARG001
    django_capture_on_commit_callbacks: Capture,
) -> None:
    event = {"id": "evt_unknown", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    status, _ = deliver(django_capture_on_commit_callbacks, event)
    assert status == 200
    assert StripeEvent.objects.get().status == StripeEvent.Status.IGNORED


def test_the_slashed_webhook_address_is_the_same_endpoint(
    stripe_settings: str,  # noqa: ARG001
) -> None:
    import json

    from django.test import Client

    from tests.stripe_local import sign

    body = json.dumps({"id": "evt_slash", "type": "customer.created", "data": {}}).encode()
    answer = Client().post(
        "/api/v1/payments/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body),
    )
    assert answer.status_code == 200
    assert StripeEvent.objects.filter(event_id="evt_slash").exists()


def test_a_failing_handler_is_recorded_and_retried_with_backoff(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture, settings: object
) -> None:
    from payments.tasks import repair_card_calls

    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    event = pay(stripe_settings, enrolment)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # type: ignore[attr-defined]
    assert deliver(django_capture_on_commit_callbacks, event)[0] == 200
    stored = StripeEvent.objects.get()
    assert stored.status == StripeEvent.Status.FAILED
    assert stored.attempts == 1
    assert "GatewayTimeout" in stored.last_error
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PAYMENT_PENDING

    settings.STRIPE_API_BASE = stripe_settings  # type: ignore[attr-defined]
    assert repair_card_calls()["events"] == 0  # the backoff has not passed
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        assert repair_card_calls()["events"] == 1
    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == (StripeEvent.Status.PROCESSED, 2)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACCEPTED
    assert ledger_verify().ok


def test_a_payment_after_the_place_lapsed_is_refunded(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    payment = card_payment(enrolment)
    # The place lapses, but the cancel never reached Stripe (it was down) ...
    due = enrolment.payment_due_at + dt.timedelta(seconds=1)  # type: ignore[operator]
    with time_machine.travel(due, tick=False):
        assert co_payments_lapse_due() == 1  # on-commit cancel not run
    # ... and the learner pays the still-open intent.
    event = pay(stripe_settings, enrolment)
    deliver(django_capture_on_commit_callbacks, event)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.DECLINED
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.SUCCEEDED
    refund = enrolment.refunds.get()
    assert (refund.amount, refund.status) == (CO_PAYMENT, "refunded")
    assert co_payment_held(enrolment) == 0
    assert ledger_verify().ok


def test_a_lost_answer_is_repaired_without_a_second_intent(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture, settings: object
) -> None:
    """Stripe created the intent but our process never recorded it: the repair finds it by
    its metadata instead of creating another (localstripe ignores idempotency keys)."""
    from payments.tasks import repair_card_calls

    world = co_payment_world()
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # type: ignore[attr-defined]
    enrolment = accept(world, django_capture_on_commit_callbacks)
    payment = card_payment(enrolment)
    assert payment.status == CardPayment.Status.CALLING
    assert payment.last_error
    settings.STRIPE_API_BASE = stripe_settings  # type: ignore[attr-defined]
    created = gateway.payment_intent_create(
        amount=CO_PAYMENT,
        currency="GBP",
        idempotency_key=gateway.idempotency_key("co_payment", payment.pk),
        metadata={"card_payment": str(payment.pk), "enrolment": str(enrolment.pk)},
    )
    assert repair_card_calls()["payments"] == 0  # not stuck long enough yet
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3), tick=False):
        assert repair_card_calls()["payments"] == 1
    payment.refresh_from_db()
    assert (payment.status, payment.intent_id) == (CardPayment.Status.OPEN, created.id)
    ours = [
        intent
        for intent in gateway.payment_intents_since(
            since=payment.created_at - dt.timedelta(hours=1)
        )
        if intent.metadata.get("card_payment") == str(payment.pk)
    ]
    assert [intent.id for intent in ours] == [created.id]


def test_failed_events_are_visible_to_staff_and_retried_from_the_admin(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture, settings: object
) -> None:
    from tests.factories import UserFactory
    from tests.helpers import admin_client_for

    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    event = pay(stripe_settings, enrolment)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # type: ignore[attr-defined]
    deliver(django_capture_on_commit_callbacks, event)
    settings.STRIPE_API_BASE = stripe_settings  # type: ignore[attr-defined]
    stored = StripeEvent.objects.get()

    viewer = UserFactory.create(is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_stripeevent"))
    listing = admin_client_for(viewer).get("/admin/payments/stripeevent/?status=failed")
    assert listing.status_code == 200
    assert stored.event_id in listing.content.decode()
    refused = admin_client_for(viewer).post(
        "/admin/payments/stripeevent/",
        {"action": "retry", "_selected_action": [stored.pk]},
    )
    assert refused.status_code in (200, 302, 403)
    stored.refresh_from_db()
    assert stored.status == StripeEvent.Status.FAILED  # viewing staff cannot retry

    staff = admin_client_for(UserFactory.create(is_staff=True, is_superuser=True))
    staff.post("/admin/payments/stripeevent/", {"action": "retry", "_selected_action": [stored.pk]})
    stored.refresh_from_db()
    assert stored.status == StripeEvent.Status.PROCESSED
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACCEPTED
    assert ledger_verify().ok


def test_accepting_over_the_api_answers_payment_pending_with_the_time_to_pay(
    stripe_settings: str,  # noqa: ARG001
    django_capture_on_commit_callbacks: Capture,
) -> None:
    world = co_payment_world()
    enrolment = world.offered()
    learner = client_for(enrolment.learner)
    with django_capture_on_commit_callbacks(execute=True):
        answer = learner.post(
            f"/api/v1/enrolments/{enrolment.pk}/accept",
            {},
            format="json",
            HTTP_IDEMPOTENCY_KEY="a1",
        )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "payment_pending"
    assert body["payment_due_at"] is not None
    checkout = learner.get(f"/api/v1/enrolments/{enrolment.pk}/checkout").json()
    assert checkout["client_secret"] == card_payment(enrolment).client_secret != ""
    # A retry with the same key replays the answer: no second payment record or intent.
    with django_capture_on_commit_callbacks(execute=True):
        again = learner.post(
            f"/api/v1/enrolments/{enrolment.pk}/accept",
            {},
            format="json",
            HTTP_IDEMPOTENCY_KEY="a1",
        )
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert CardPayment.objects.filter(enrolment=enrolment).count() == 1


def test_an_event_whose_worker_died_mid_handler_is_retried(
    stripe_settings: str,  # noqa: ARG001
) -> None:
    from payments.tasks import repair_card_calls

    stuck = StripeEvent.objects.create(
        event_id="evt_stuck",
        type="customer.created",
        payload={"id": "evt_stuck", "type": "customer.created", "data": {"object": {}}},
        status=StripeEvent.Status.PROCESSING,
        attempts=1,
    )
    assert repair_card_calls()["events"] == 0  # maybe still running: left alone
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20), tick=False):
        assert repair_card_calls()["events"] == 1
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (StripeEvent.Status.IGNORED, 2)
