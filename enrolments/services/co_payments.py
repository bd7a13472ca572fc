"""The co-payment's two endings: paid (the enrolment is accepted) or lapsed (everything returns).

payments/ calls `enrolment_co_payment_paid` when Stripe says the card payment succeeded
(after re-reading the PaymentIntent: the state, not the event order, decides); the beat task
`enrolments.lapse_co_payments` calls `co_payments_lapse_due` every minute.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from enrolments.co_payments import co_payment_collection
from enrolments.models import Enrolment
from enrolments.services.enrolments import _free_seat, cohort_offer_waitlisted
from enrolments.services.milestones import close_hold
from enrolments.services.transitions import S, lock_enrolment, record_event


def enrolment_co_payment_paid(*, enrolment_id: int, amount: int) -> bool:
    """The card payment for the co-payment succeeded. Returns True when this made (or had
    already made) the enrolment accepted; False when the place was no longer waiting for it
    (lapsed, withdrawn, cancelled): the caller refunds the payment."""
    with transaction.atomic():
        locked = lock_enrolment(Enrolment.objects.get(pk=enrolment_id))
        if locked.status != S.PAYMENT_PENDING:
            return locked.status in (S.ACCEPTED, S.STARTED, S.COMPLETED, S.OUTCOME_RECORDED)
        locked.status = S.ACCEPTED
        locked.payment_due_at = None
        locked.save(update_fields=["status", "payment_due_at", "updated_at"])
        record_event(
            locked, None, "co_payment_paid", S.PAYMENT_PENDING, "Paid by card.", amount=amount
        )
    return True


def co_payments_lapse_due(*, now: dt.datetime | None = None) -> int:
    """Co-payments not paid by their time: the enrolment is declined, the held wallet funds
    return, the seat is freed and offered to the waiting list. Returns how many lapsed."""
    now = now or timezone.now()
    due = Enrolment.objects.filter(status=S.PAYMENT_PENDING, payment_due_at__lt=now)
    count = 0
    for enrolment_id in list(due.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            locked = lock_enrolment(Enrolment.objects.get(pk=enrolment_id))
            if locked.status != S.PAYMENT_PENDING or not (
                locked.payment_due_at and locked.payment_due_at < now
            ):
                continue  # paid (or withdrawn) meanwhile
            locked.status = S.DECLINED
            locked.save(update_fields=["status", "updated_at"])
            record_event(
                locked,
                None,
                "co_payment_lapsed",
                S.PAYMENT_PENDING,
                f"The co-payment was not paid by {timezone.localtime(locked.payment_due_at):%H:%M}"
                f" on {timezone.localtime(locked.payment_due_at):%d %B %Y}.",
            )
            collection = co_payment_collection()
            if collection is not None:
                collection.release(enrolment=locked)
            close_hold(locked, None, "Co-payment not paid: held funds return to the learner.")
            _free_seat(locked.cohort)
            cohort_offer_waitlisted(locked.cohort)
            count += 1
    return count
