"""Agreement writes: propose (issue the disclosure), sign, activate at acceptance, settle
when the hold closes, and store the rendered disclosure PDF.

Lock order: enrolment row (the caller's, at acceptance), deferral row, agreement row, then
ledger accounts (by id, inside `ledger_post`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from core.checks import present
from core.errors import Forbidden, InvalidInput
from core.jobs import enqueue_on_commit
from core.money import format_money, round_money_down
from enrolments.models import Enrolment, EnrolmentHold
from payments import ledger
from payments.calculator import Basis, tax_year_of
from payments.disclosure import (
    VALID_FOR,
    DisclosureTerms,
    content_sha256,
    disclosure_content,
    render_disclosure_pdf,
)
from payments.errors import (
    AgreementNotSigned,
    AgreementState,
    DeferralNotOffered,
    DeferralTooLarge,
    DisclosureChanged,
    DisclosureExpired,
    EnrolmentNotOffered,
    ThresholdNotFound,
)
from payments.models import ProgrammeDeferral, RepaymentAgreement, RepaymentPlan
from payments.schedule import repayment_start_after, write_off_date
from payments.selectors import deferral_offer_for, plan_threshold_for
from users.models import User

A = RepaymentAgreement.Status


def _lock(agreement: RepaymentAgreement) -> RepaymentAgreement:
    return (
        RepaymentAgreement.objects.select_for_update(of=("self",))
        .select_related("deferral__programme", "plan", "enrolment__cohort")
        .get(pk=agreement.pk)
    )


def _require_status(agreement: RepaymentAgreement, *allowed: str) -> None:
    if agreement.status not in allowed:
        raise AgreementState(
            f"The agreement is {agreement.get_status_display().lower()}.",
            status=agreement.status,
            allowed=list(allowed),
        )


# --- Proposal: the disclosure ------------------------------------------------------------------


def agreement_propose(*, actor: User, enrolment: Enrolment, amount: int) -> RepaymentAgreement:
    """Issue a disclosure for deferring `amount` of an offered place: a draft agreement.

    Any earlier draft or signed-but-unused agreement for the place is superseded. The PDF is
    rendered after commit.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("The amount to defer is a positive whole number of minor units.")
    with transaction.atomic():
        locked = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("cohort__course__provider", "learner")
            .get(pk=enrolment.pk)
        )
        if locked.learner_id != actor.pk:
            raise Forbidden("Only the learner can do this.")
        if locked.status != Enrolment.Status.OFFERED:
            raise EnrolmentNotOffered(status=locked.status)
        offer = deferral_offer_for(enrolment=locked)
        if amount > offer.maximum:
            raise DeferralTooLarge(
                f"You can defer at most {format_money(offer.maximum, offer.currency)} "
                "for this place.",
                maximum=offer.maximum,
                unpaid=offer.unpaid,
                learner_remaining=offer.learner_remaining,
            )
        deferral = offer.deferral
        plan = deferral.plan
        today = timezone.localdate()
        try:
            threshold = plan_threshold_for(plan=plan, tax_year=tax_year_of(today))
        except ThresholdNotFound as exc:
            raise DeferralNotOffered(
                "The repayment plan has no income threshold for this tax year yet.",
                plan=plan.code,
            ) from exc
        RepaymentAgreement.objects.filter(enrolment=locked, status__in=(A.DRAFT, A.SIGNED)).update(
            status=A.SUPERSEDED, updated_at=timezone.now()
        )
        cohort = locked.cohort
        starts_on = repayment_start_after(cohort.end_date)
        fixed = plan.threshold_rule == RepaymentPlan.ThresholdRule.FIXED_AT_SIGNING
        terms = DisclosureTerms(
            issued_on=today,
            learner_name=locked.learner.get_full_name() or locked.learner.email,
            learner_email=locked.learner.email,
            course_title=cohort.course.title,
            provider_name=cohort.course.provider.display_name,
            course_starts_on=cohort.start_date,
            course_ends_on=cohort.end_date,
            programme_name=deferral.programme.name,
            funder_name=deferral.programme.funder.name,
            currency=offer.currency,
            amount=amount,
            plan_code=plan.code,
            plan_name=plan.name,
            basis=Basis(plan.basis),
            rate=plan.rate,
            annual_threshold=threshold.annual_threshold,
            threshold_tax_year=threshold.tax_year,
            threshold_fixed=fixed,
            cap=plan.cap_for(amount),
            max_payments=plan.max_payments,
            term_years=plan.term_years,
            repayment_starts_on=starts_on,
            write_off_on=write_off_date(
                repayment_starts_on=starts_on,
                term_years=plan.term_years,
                rule=plan.write_off_rule,
            ),
        )
        content = disclosure_content(terms)
        agreement = RepaymentAgreement.objects.create(
            learner=actor,
            enrolment=locked,
            deferral=deferral,
            plan=plan,
            currency=offer.currency,
            amount_agreed=amount,
            amount=amount,
            basis=plan.basis,
            rate=plan.rate,
            cap=terms.cap,
            max_payments=plan.max_payments,
            term_years=plan.term_years,
            write_off_rule=plan.write_off_rule,
            threshold_rule=plan.threshold_rule,
            fixed_annual_threshold=threshold.annual_threshold if fixed else None,
            disclosure=content,
            disclosure_sha256=content_sha256(content),
            disclosure_expires_at=timezone.now() + VALID_FOR,
            repayment_starts_on=terms.repayment_starts_on,
            write_off_on=terms.write_off_on,
        )
        from payments.tasks import render_disclosure  # tasks import this module

        enqueue_on_commit(render_disclosure, agreement.pk)
    return agreement


def disclosure_pdf_ensure(*, agreement_id: int) -> bytes:
    """The disclosure PDF, rendered and stored once. Renders outside any transaction."""
    agreement = RepaymentAgreement.objects.get(pk=agreement_id)
    if agreement.disclosure_pdf is not None:
        return bytes(agreement.disclosure_pdf)
    pdf = render_disclosure_pdf(agreement.disclosure, agreement.disclosure_sha256)
    with transaction.atomic():
        locked = RepaymentAgreement.objects.select_for_update().get(pk=agreement_id)
        if locked.disclosure_pdf is not None:
            return bytes(locked.disclosure_pdf)
        if locked.disclosure_sha256 != agreement.disclosure_sha256:
            raise DisclosureChanged()
        locked.disclosure_pdf = pdf
        locked.disclosure_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        locked.save(update_fields=["disclosure_pdf", "disclosure_pdf_sha256", "updated_at"])
    return pdf


# --- Signing ------------------------------------------------------------------------------------


def agreement_sign(
    *, actor: User, agreement: RepaymentAgreement, document_sha256: str, ip: str | None
) -> RepaymentAgreement:
    """The learner signs the disclosure they were shown, identified by its SHA-256."""
    with transaction.atomic():
        locked = _lock(agreement)
        if locked.learner_id != actor.pk:
            raise Forbidden("Only the learner can sign their agreement.")
        _require_status(locked, A.DRAFT)
        if timezone.now() > locked.disclosure_expires_at:
            raise DisclosureExpired(expired_at=locked.disclosure_expires_at.isoformat())
        current = content_sha256(locked.disclosure)
        if document_sha256 != locked.disclosure_sha256 or current != locked.disclosure_sha256:
            raise DisclosureChanged(current_sha256=locked.disclosure_sha256)
        if locked.enrolment.status != Enrolment.Status.OFFERED:
            raise EnrolmentNotOffered(status=locked.enrolment.status)
        locked.status = A.SIGNED
        locked.signed_at = timezone.now()
        locked.signed_ip = ip
        locked.signed_document_sha256 = document_sha256
        locked.signed_pdf_sha256 = locked.disclosure_pdf_sha256
        locked.save(
            update_fields=[
                "status",
                "signed_at",
                "signed_ip",
                "signed_document_sha256",
                "signed_pdf_sha256",
                "updated_at",
            ]
        )
    return locked


# --- Activation at acceptance, settlement when the hold closes --------------------------------


def agreement_activate(
    *, actor: User | None, agreement: RepaymentAgreement, enrolment: Enrolment, hold_account_id: int
) -> RepaymentAgreement:
    """Draw the deferred amount from the programme's deferral budget into the enrolment's
    deferral hold and book the learner's debt (a receivable).

    Called by the acceptance, inside its transaction, once it has created the enrolment's
    deferral hold (an `EnrolmentHold` of source `deferral`, amount = `agreement.amount`,
    programme = the deferral's programme, released last) and set `enrolment.deferred_part`.

    Refuses an unsigned agreement (`agreement_not_signed`), another enrolment's agreement, a
    hold that is not this enrolment's empty deferral hold for this amount, an amount beyond
    the learner's maximum, and a deferral budget that cannot cover it (nothing is posted).
    """
    with transaction.atomic():
        deferral = ProgrammeDeferral.objects.select_for_update().get(pk=agreement.deferral_id)
        locked = _lock(agreement)
        if locked.status == A.DRAFT:
            raise AgreementNotSigned(agreement_id=locked.pk)
        _require_status(locked, A.SIGNED)
        if locked.enrolment_id != enrolment.pk or enrolment.learner_id != locked.learner_id:
            raise InvalidInput("This agreement is for another enrolment.", agreement_id=locked.pk)
        if enrolment.status not in (Enrolment.Status.OFFERED, Enrolment.Status.ACCEPTED):
            raise EnrolmentNotOffered(status=enrolment.status)
        hold = (
            EnrolmentHold.objects.filter(
                account_id=hold_account_id,
                enrolment_id=enrolment.pk,
                source=EnrolmentHold.Source.DEFERRAL,
                programme_id=deferral.programme_id,
                amount=locked.amount,
            )
            .select_related("account")
            .first()
        )
        if hold is None or hold.account.currency != locked.currency or hold.account.entry_count:
            raise InvalidInput(
                "The hold must be this enrolment's new deferral hold for the amount deferred.",
                hold_account_id=hold_account_id,
            )
        if not deferral.active:
            raise DeferralNotOffered(programme_id=deferral.programme_id)
        others = sum(
            RepaymentAgreement.objects.filter(
                learner_id=locked.learner_id,
                deferral=deferral,
                status__in=(A.ACTIVE, A.REPAYING),
            ).values_list("amount", flat=True)
        )
        if others + locked.amount > deferral.max_per_learner:
            raise DeferralTooLarge(maximum=max(0, deferral.max_per_learner - others))
        locked.deferral = deferral
        ledger.agreement_accounts_create(locked)
        locked.draw_transaction_id = ledger.post_draw(
            actor_id=actor.pk if actor else None, agreement=locked, hold_id=hold.account_id
        )
        locked.hold_account_id = hold.account_id
        locked.status, locked.activated_at = A.ACTIVE, timezone.now()
        locked.save()
    return locked


@dataclass(frozen=True)
class ExitSettlement:
    paid_out: int  # what the deferral hold paid the provider: the learner's debt now
    returned: int  # the unspent deferred part, returned to the deferral budget


def agreement_settle_on_exit(
    *, actor: User | None, agreement: RepaymentAgreement, today: dt.date | None = None
) -> ExitSettlement:
    """When the enrolment's holds close early (withdrawal, cancellation) or at its end: return
    what the deferral hold still holds to the deferral budget and lower the debt to what it
    actually paid out (net of clawbacks).

    Call it BEFORE the enrolment returns the rest of its holds to the learner's pots (the
    deferral hold has no pot to return to). No debt left: the agreement is cancelled;
    otherwise repayment starts the month after `today` (or earlier if already due), and the
    cap shrinks in proportion to the debt (rounded down).
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _lock(agreement)
        _require_status(locked, A.ACTIVE, A.REPAYING)
        if locked.settled_at is not None:
            raise AgreementState("The agreement was already settled.", status=locked.status)
        if locked.charges.exists():
            raise AgreementState(
                "Repayments are already due under this agreement; it can no longer be settled.",
                status=locked.status,
            )
        unspent = ledger.hold_balance(
            hold_id=present(locked.hold_account_id, "an active agreement's hold")
        )
        paid_out = locked.amount - unspent
        if unspent:
            ledger.post_exit_return(
                actor_id=actor.pk if actor else None, agreement=locked, amount=unspent
            )
        if paid_out == 0:
            locked.status = A.CANCELLED
            locked.close_reason = RepaymentAgreement.CloseReason.NOTHING_OWED
            locked.closed_at = timezone.now()
        else:
            locked.cap = round_money_down(locked.cap, Fraction(paid_out, locked.amount))
            starts_on = repayment_start_after(today)
            if locked.repayment_starts_on is None or starts_on < locked.repayment_starts_on:
                locked.repayment_starts_on = starts_on
            locked.write_off_on = write_off_date(
                repayment_starts_on=locked.repayment_starts_on,
                term_years=locked.term_years,
                rule=locked.write_off_rule,
            )
            locked.status = A.REPAYING
        locked.amount = paid_out
        locked.paid_out_on_exit = paid_out
        locked.settled_at = timezone.now()
        locked.save()
    return ExitSettlement(paid_out=paid_out, returned=unspent)
