"""An agreement's statement (a read): its months so far, payments, pauses, totals, what
remains to the cap and the write-off date. Four queries whatever the agreement's age."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field

from django.utils import timezone

from payments.models import RepaymentAgreement, RepaymentAssessment
from payments.schedule import add_months, month_start, period_end, period_label, periods
from wallets.models import LedgerAccount


@dataclass(frozen=True)
class StatementPeriod:
    period: str
    status: str  # due, paused, declared, not_declared, open
    gross_income: int | None = None
    period_threshold: int | None = None
    due: int | None = None


@dataclass(frozen=True)
class StatementPayment:
    number: int
    period: str
    amount: int
    status: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Statement:
    agreement: RepaymentAgreement
    amount_agreed: int
    rate: decimal.Decimal
    basis: str
    max_payments: int | None
    payments_made: int
    payments_remaining: int | None
    total_charged: int
    total_repaid: int
    owed: int
    remaining_to_cap: int
    debt_outstanding: int
    written_off: int
    write_off_on: dt.date | None
    next_assessment_on: dt.date | None
    declaration_reminder_sent_at: dt.datetime | None
    declaration_flagged_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str
    schedule: list[StatementPeriod] = field(default_factory=list)
    payments: list[StatementPayment] = field(default_factory=list)
    paused_periods: list[str] = field(default_factory=list)
    missing_periods: list[str] = field(default_factory=list)


def agreement_statement(*, agreement: RepaymentAgreement, today: dt.date) -> Statement:
    """The statement of an agreement the caller may see (the selectors scope it)."""
    assessments = {a.period: a for a in RepaymentAssessment.objects.filter(agreement=agreement)}
    declarations = {d.period: d for d in agreement.declarations.all()}
    charges = list(agreement.charges.select_related("assessment"))
    debt = (
        LedgerAccount.objects.get(pk=agreement.receivable_account_id).balance
        if agreement.receivable_account_id
        else 0
    )
    schedule: list[StatementPeriod] = []
    missing: list[str] = []
    open_statuses = (RepaymentAgreement.Status.REPAYING,)
    started = (
        RepaymentAgreement.Status.REPAYING,
        RepaymentAgreement.Status.CLOSED,
        RepaymentAgreement.Status.WRITTEN_OFF,
    )
    if agreement.repayment_starts_on and agreement.write_off_on and agreement.status in started:
        last = add_months(month_start(today), 1)
        if agreement.status not in open_statuses and agreement.closed_at:
            last = min(last, month_start(timezone.localdate(agreement.closed_at)))
        for period in periods(agreement.repayment_starts_on, last):
            if period_end(period) >= agreement.write_off_on:
                break
            label = period_label(period)
            assessment = assessments.get(period)
            declaration = declarations.get(period)
            if assessment is not None:
                schedule.append(
                    StatementPeriod(
                        label,
                        assessment.outcome,
                        assessment.gross_income,
                        assessment.period_threshold,
                        assessment.due,
                    )
                )
            elif period >= month_start(today) and agreement.status in open_statuses:
                schedule.append(
                    StatementPeriod(
                        label, "open", declaration.gross_income if declaration else None
                    )
                )
            elif declaration is not None:
                schedule.append(StatementPeriod(label, "declared", declaration.gross_income))
            else:
                schedule.append(StatementPeriod(label, "not_declared"))
                missing.append(label)
    total_charged = sum(c.amount for c in charges)
    total_repaid = sum(c.amount for c in charges if c.status == "collected")
    made = len(charges)
    return Statement(
        agreement=agreement,
        amount_agreed=agreement.amount_agreed,
        rate=agreement.rate,
        basis=agreement.basis,
        max_payments=agreement.max_payments,
        payments_made=made,
        payments_remaining=(
            max(0, agreement.max_payments - made) if agreement.max_payments is not None else None
        ),
        total_charged=total_charged,
        total_repaid=total_repaid,
        owed=total_charged - total_repaid,
        remaining_to_cap=max(0, agreement.cap - total_charged),
        debt_outstanding=debt,
        written_off=agreement.written_off_amount,
        write_off_on=agreement.write_off_on,
        next_assessment_on=(
            add_months(month_start(today), 1)
            if agreement.status in (RepaymentAgreement.Status.ACTIVE, *open_statuses)
            else None
        ),
        declaration_reminder_sent_at=agreement.declaration_reminder_sent_at,
        declaration_flagged_at=agreement.declaration_flagged_at,
        closed_at=agreement.closed_at,
        close_reason=agreement.close_reason,
        schedule=schedule,
        payments=[
            StatementPayment(
                c.number, period_label(c.assessment.period), c.amount, c.status, c.created_at
            )
            for c in charges
        ],
        paused_periods=[
            period_label(p)
            for p, a in sorted(assessments.items())
            if a.outcome == RepaymentAssessment.Outcome.PAUSED
        ],
        missing_periods=missing,
    )
