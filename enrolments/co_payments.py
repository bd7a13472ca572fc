"""Collecting a co-payment by card, from outside the enrolments app (payments/, to the right).

Enrolments do not know how a card is charged. payments/ registers a `CoPaymentCollection`
when it is ready; acceptance calls `request` inside its transaction (payments records the
payment as "calling" and creates the Stripe PaymentIntent after commit), and whatever ends a
pending payment without it succeeding (expiry, withdrawal, cancellation) calls `release`
(payments cancels the intent after commit). Without one, a co-payment is recorded but not
collected, and acceptance completes at once (as before card payments existed).
"""

from __future__ import annotations

from typing import Protocol

from enrolments.models import Enrolment


class CoPaymentCollection(Protocol):
    def request(self, *, enrolment: Enrolment) -> None:
        """Start collecting `enrolment.co_payment` (caller holds the enrolment's lock)."""

    def release(self, *, enrolment: Enrolment) -> None:
        """The pending payment is no longer wanted: stop it (caller holds the lock)."""


_collection: CoPaymentCollection | None = None


def register_co_payment_collection(collection: CoPaymentCollection | None) -> None:
    global _collection
    _collection = collection


def co_payment_collection() -> CoPaymentCollection | None:
    return _collection
