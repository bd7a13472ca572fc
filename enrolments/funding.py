"""Funding an enrolment from outside the learner's wallet: the deferred part of a fee.

Enrolments do not know how a deferral is funded or repaid (that is payments/, to the right).
payments/ registers a `DeferralFunding` when it is ready; the acceptance calls it, inside its
transaction, to draw the deferred part into the enrolment's deferral hold, and closing the
holds calls it first to settle what the deferral paid out. Without one, nothing is deferred.
"""

from __future__ import annotations

from typing import Protocol

from enrolments.errors import DeferralNotAvailable
from enrolments.models import Enrolment
from users.models import User


class DeferralFunding(Protocol):
    def fund(self, *, actor: User, enrolment: Enrolment, amount: int) -> None:
        """Draw `amount` into a new deferral hold of `enrolment` (caller holds its lock);
        refuses when no signed agreement covers exactly that amount."""

    def settle(self, *, actor: User | None, enrolment: Enrolment) -> None:
        """Before the holds close: return the deferral hold's unspent part and lower the
        learner's debt to what it paid out."""


_funding: DeferralFunding | None = None


def register_deferral_funding(funding: DeferralFunding) -> None:
    global _funding
    _funding = funding


def deferral_funding() -> DeferralFunding:
    if _funding is None:
        raise DeferralNotAvailable()
    return _funding


def has_deferral_funding() -> bool:
    return _funding is not None
