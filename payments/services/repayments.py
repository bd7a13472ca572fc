"""Repayment writes: income declarations (with evidence), the monthly assessment of each
agreement (charges recorded as owed on the ledger, pauses, closing at the cap or the payment
limit, write-off at the term's end) and reminders for missing declarations.

Nothing is ever charged on a guess: a month without a declaration is not assessed; after
two such months in a row the learner is reminded, and a month later the funder is told.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.checks import present
from core.errors import DomainError, Forbidden
from core.jobs import enqueue_on_commit
from payments import ledger
from payments.calculator import Basis, PayPeriod, PlanTerms, repayment_due, tax_year_of
from payments.errors import (
    AgreementState,
    EvidenceTooLarge,
    EvidenceTypeNotAllowed,
    PeriodAlreadyAssessed,
    PeriodNotDeclarable,
    ThresholdNotFound,
)
from payments.models import (
    IncomeDeclaration,
    IncomeEvidence,
    RepaymentAgreement,
    RepaymentAssessment,
    RepaymentCharge,
)
from payments.schedule import (
    month_start,
    period_end,
    period_label,
    periods,
    repayment_start_after,
    write_off_date,
)
from payments.selectors import plan_threshold_for
from users.models import User

logger = logging.getLogger(__name__)

A = RepaymentAgreement.Status
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
REMIND_AFTER_MISSING = 2  # months in a row without a declaration: remind the learner
FLAG_AFTER_MISSING = 3  # still missing a month after the reminder: tell the funder

# --- Declarations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    filename: str
    content: bytes


_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def evidence_content_type(content: bytes) -> str:
    """The evidence's type from its content (never its name or declared type)."""
    if len(content) > MAX_EVIDENCE_BYTES:
        raise EvidenceTooLarge(size=len(content), maximum=MAX_EVIDENCE_BYTES)
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    raise EvidenceTypeNotAllowed()


def in_term(period: dt.date, write_off_on: dt.date) -> bool:
    """A month is a month of repayment when it ends before the write-off date."""
    return period_end(period) < write_off_on


def due_periods(agreement: RepaymentAgreement, today: dt.date) -> list[dt.date]:
    """Months of repayment that have ended by `today` (and before the write-off date)."""
    if agreement.repayment_starts_on is None or agreement.write_off_on is None:
        return []
    write_off_on = agreement.write_off_on
    return [
        period
        for period in periods(agreement.repayment_starts_on, month_start(today))
        if in_term(period, write_off_on)
    ]


def income_declare(
    *,
    actor: User,
    agreement: RepaymentAgreement,
    period: dt.date,
    gross_income: int,
    evidence: Evidence | None = None,
    today: dt.date | None = None,
) -> IncomeDeclaration:
    """Declare gross income for a month of repayment (corrected freely until it is assessed)."""
    today = today or timezone.localdate()
    content_type = evidence_content_type(evidence.content) if evidence else ""
    with transaction.atomic():
        locked = RepaymentAgreement.objects.select_for_update().get(pk=agreement.pk)
        if locked.learner_id != actor.pk:
            raise Forbidden("Only the learner can declare their income.")
        if locked.status != A.REPAYING:
            raise AgreementState(
                "Income is declared once repayment has started, until it ends.",
                status=locked.status,
            )
        starts_on = present(locked.repayment_starts_on, "a repaying agreement's start")
        write_off_on = present(locked.write_off_on, "a repaying agreement's write-off date")
        if (
            period.day != 1
            or period < starts_on
            or period > month_start(today)
            or not in_term(period, write_off_on)
        ):
            raise PeriodNotDeclarable(
                period=period_label(period),
                first=period_label(starts_on),
                last=period_label(min(month_start(today), write_off_on)),
            )
        if RepaymentAssessment.objects.filter(agreement=locked, period=period).exists():
            raise PeriodAlreadyAssessed(period=period_label(period))
        declaration, _ = IncomeDeclaration.objects.update_or_create(
            agreement=locked,
            period=period,
            defaults={"gross_income": gross_income, "declared_by": actor},
        )
        if evidence is not None:
            IncomeEvidence.objects.update_or_create(
                declaration=declaration,
                defaults={
                    "filename": evidence.filename[:200],
                    "content_type": content_type,
                    "size": len(evidence.content),
                    "sha256": hashlib.sha256(evidence.content).hexdigest(),
                    "content": evidence.content,
                },
            )
        if _missing_streak(locked, today) < REMIND_AFTER_MISSING:
            locked.declaration_reminder_sent_at = locked.declaration_flagged_at = None
            locked.save(
                update_fields=[
                    "declaration_reminder_sent_at",
                    "declaration_flagged_at",
                    "updated_at",
                ]
            )
    return declaration


def _missing_streak(agreement: RepaymentAgreement, today: dt.date) -> int:
    """How many of the latest ended months in a row have no declaration."""
    declared = set(
        IncomeDeclaration.objects.filter(agreement=agreement).values_list("period", flat=True)
    )
    streak = 0
    for period in reversed(due_periods(agreement, today)):
        if period in declared:
            break
        streak += 1
    return streak


# --- Assessment -------------------------------------------------------------------------------


@dataclass
class AssessmentRun:
    agreements: int = 0
    entered_repayment: int = 0
    charges: int = 0
    paused: int = 0
    closed: int = 0
    written_off: int = 0
    reminded: int = 0
    flagged: int = 0
    awaiting_threshold: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def repayments_assess_due(*, today: dt.date | None = None) -> AssessmentRun:
    """The monthly job: assess every agreement under way, each in its own transaction."""
    today = today or timezone.localdate()
    run = AssessmentRun()
    ids = RepaymentAgreement.objects.filter(status__in=(A.ACTIVE, A.REPAYING)).values_list(
        "pk", flat=True
    )
    for agreement_id in list(ids.order_by("pk")):
        run.agreements += 1
        try:
            agreement_assess(agreement_id=agreement_id, today=today, run=run)
        except DomainError as exc:  # one agreement's refusal never stops the others
            logger.warning("agreement %s not assessed: %s (%s)", agreement_id, exc.detail, exc.code)
            run.refused.append(f"{agreement_id}: {exc.code}")
    return run


def agreement_assess(
    *, agreement_id: int, today: dt.date, run: AssessmentRun | None = None
) -> RepaymentAgreement:
    """Bring one agreement up to date: start repayment after the course, assess each declared
    month that has ended, close or write off when due, remind and flag missing months."""
    run = run or AssessmentRun()
    with transaction.atomic():
        agreement = (
            RepaymentAgreement.objects.select_for_update(of=("self",))
            .select_related("deferral", "plan", "enrolment__cohort", "learner")
            .get(pk=agreement_id)
        )
        if agreement.status == A.ACTIVE:
            _enter_repayment_if_course_ended(agreement, today, run)
        if agreement.status != A.REPAYING:
            return agreement
        declarations = {
            d.period: d
            for d in IncomeDeclaration.objects.filter(agreement=agreement, assessment__isnull=True)
        }
        for period in due_periods(agreement, today):
            declaration = declarations.get(period)
            if declaration is None:
                continue
            _assess_period(agreement, period, declaration, run)
            if agreement.status != A.REPAYING:
                break
        write_off_on = present(agreement.write_off_on, "a repaying agreement's write-off date")
        if agreement.status == A.REPAYING and today >= write_off_on:
            _close(agreement, RepaymentAgreement.CloseReason.TERM_ENDED, run)
        if agreement.status == A.REPAYING:
            _remind_or_flag(agreement, today, run)
    return agreement


def _enter_repayment_if_course_ended(
    agreement: RepaymentAgreement, today: dt.date, run: AssessmentRun
) -> None:
    end = agreement.enrolment.cohort.end_date
    if end >= today:
        return
    agreement.repayment_starts_on = repayment_start_after(end)
    agreement.write_off_on = write_off_date(
        repayment_starts_on=agreement.repayment_starts_on,
        term_years=agreement.term_years,
        rule=agreement.write_off_rule,
    )
    agreement.status = A.REPAYING
    agreement.save(update_fields=["status", "repayment_starts_on", "write_off_on", "updated_at"])
    run.entered_repayment += 1


def _annual_threshold(agreement: RepaymentAgreement, tax_year: int) -> int:
    if agreement.fixed_annual_threshold is not None:
        return agreement.fixed_annual_threshold
    return plan_threshold_for(plan=agreement.plan, tax_year=tax_year).annual_threshold


def _assess_period(
    agreement: RepaymentAgreement,
    period: dt.date,
    declaration: IncomeDeclaration,
    run: AssessmentRun,
) -> None:
    tax_year = tax_year_of(period_end(period))
    try:
        annual = _annual_threshold(agreement, tax_year)
    except ThresholdNotFound:
        # The law's threshold for this tax year is not loaded yet: wait, never guess.
        run.awaiting_threshold.append(f"{agreement.pk}:{period_label(period)}")
        logger.warning(
            "agreement %s: no threshold for %s; %s waits", agreement.pk, tax_year, period
        )
        return
    charged = agreement.charges.aggregate(total=Sum("amount"))["total"] or 0
    calculation = repayment_due(
        terms=PlanTerms(Basis(agreement.basis), agreement.rate, annual, agreement.currency),
        pay_period=PayPeriod.MONTHLY,
        gross_pay=declaration.gross_income,
        cap=agreement.cap,
        repaid=charged,
    )
    outcome = (
        RepaymentAssessment.Outcome.DUE if calculation.due else RepaymentAssessment.Outcome.PAUSED
    )
    assessment = RepaymentAssessment.objects.create(
        agreement=agreement,
        period=period,
        declaration=declaration,
        tax_year=tax_year,
        gross_income=declaration.gross_income,
        annual_threshold=annual,
        period_threshold=calculation.period_threshold,
        due_by_rule=calculation.due_by_rule,
        due=calculation.due,
        limited_by=calculation.limited_by or "",
        outcome=outcome,
        working=calculation.working,
    )
    if not calculation.due:
        run.paused += 1
        return
    number = agreement.charges.count() + 1
    transaction_id = ledger.post_repayment_due(
        agreement=agreement, amount=calculation.due, period_label=period_label(period)
    )
    RepaymentCharge.objects.create(
        agreement=agreement,
        assessment=assessment,
        number=number,
        amount=calculation.due,
        currency=agreement.currency,
        transaction_id=transaction_id,
    )
    run.charges += 1
    if charged + calculation.due >= agreement.cap:
        _close(agreement, RepaymentAgreement.CloseReason.CAP_REACHED, run)
    elif agreement.max_payments is not None and number >= agreement.max_payments:
        _close(agreement, RepaymentAgreement.CloseReason.PAYMENTS_COMPLETE, run)


def _close(agreement: RepaymentAgreement, reason: str, run: AssessmentRun) -> None:
    """Nothing more is due: what the receivable still holds is written off on the ledger."""
    written_off = ledger.post_write_off(
        agreement=agreement, reason=RepaymentAgreement.CloseReason(reason).label
    )
    agreement.written_off_amount += written_off
    agreement.status = (
        A.WRITTEN_OFF if reason == RepaymentAgreement.CloseReason.TERM_ENDED else A.CLOSED
    )
    agreement.close_reason, agreement.closed_at = reason, timezone.now()
    agreement.save(
        update_fields=["status", "close_reason", "closed_at", "written_off_amount", "updated_at"]
    )
    if agreement.status == A.WRITTEN_OFF:
        run.written_off += 1
    else:
        run.closed += 1


def _remind_or_flag(agreement: RepaymentAgreement, today: dt.date, run: AssessmentRun) -> None:
    streak = _missing_streak(agreement, today)
    now = timezone.now()
    if streak >= REMIND_AFTER_MISSING and agreement.declaration_reminder_sent_at is None:
        agreement.declaration_reminder_sent_at = now
        agreement.save(update_fields=["declaration_reminder_sent_at", "updated_at"])
        from payments.tasks import send_declaration_reminder  # tasks import this module

        enqueue_on_commit(send_declaration_reminder, agreement.pk)
        run.reminded += 1
    elif (
        streak >= FLAG_AFTER_MISSING
        and agreement.declaration_reminder_sent_at is not None
        and timezone.localdate(agreement.declaration_reminder_sent_at) < month_start(today)
        and agreement.declaration_flagged_at is None
    ):
        agreement.declaration_flagged_at = now
        agreement.save(update_fields=["declaration_flagged_at", "updated_at"])
        run.flagged += 1
