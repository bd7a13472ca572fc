"""The deferral funding enrolments call at acceptance and when holds close (enrolments/funding.py).

Registered by `PaymentsConfig.ready()`. Each call runs inside the enrolment's transaction,
under its lock.
"""

from __future__ import annotations

from enrolments.models import Enrolment, EnrolmentHold
from enrolments.services.money import hold_account_for
from payments.errors import AgreementNotSigned
from payments.models import RepaymentAgreement
from payments.services.agreements import agreement_activate, agreement_settle_on_exit
from users.models import User

A = RepaymentAgreement.Status


class AgreementDeferralFunding:
    def fund(self, *, actor: User, enrolment: Enrolment, amount: int) -> None:
        """Nothing is deferred without the learner's signed agreement for exactly `amount`."""
        agreement = (
            RepaymentAgreement.objects.filter(enrolment=enrolment, status=A.SIGNED, amount=amount)
            .select_related("deferral")
            .order_by("-pk")
            .first()
        )
        if agreement is None:
            raise AgreementNotSigned(
                "Deferring part of the fee needs a signed agreement for exactly this amount: "
                "ask for the disclosure, read it and sign it, then accept.",
                deferred_part=amount,
            )
        hold = hold_account_for(
            enrolment,
            source=EnrolmentHold.Source.DEFERRAL,
            programme_id=agreement.deferral.programme_id,
            amount=amount,
        )
        agreement_activate(
            actor=actor, agreement=agreement, enrolment=enrolment, hold_account_id=hold.account_id
        )

    def settle(self, *, actor: User | None, enrolment: Enrolment) -> None:
        for agreement in RepaymentAgreement.objects.filter(
            enrolment=enrolment, status__in=(A.ACTIVE, A.REPAYING), settled_at__isnull=True
        ):
            agreement_settle_on_exit(actor=actor, agreement=agreement)
