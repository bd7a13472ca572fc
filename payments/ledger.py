"""Deferred fees on the ledger (docs/adr/0006-deferral-receivables-on-the-ledger.md).

Accounts: per programme a deferral budget (cash that may be deferred) and the learners'
obligations (the other side of every receivable; it may go negative); per agreement a
receivable (the deferred fee the learner still owes) and repayments owed (amounts assessed
as due, awaiting collection). Every posting below is one balanced transaction through
`wallets.ledger.ledger_post`; call them inside the caller's transaction, which holds the
agreement's row lock (the ledger then locks its accounts in primary-key order).
"""

from __future__ import annotations

from core.checks import present
from core.idempotency import scoped_key
from payments.errors import DeferralBudgetExhausted
from payments.models import ProgrammeDeferral, RepaymentAgreement
from wallets.errors import InsufficientFunds
from wallets.ledger import account_create, ledger_post
from wallets.models import FundingProgramme, LedgerAccount, LedgerTransaction
from wallets.services.programmes import funder_external_account

Kind = LedgerTransaction.Kind


def deferral_accounts_create(programme: FundingProgramme) -> tuple[LedgerAccount, LedgerAccount]:
    budget = account_create(
        key=f"programme:{programme.pk}:deferral:budget",
        kind=LedgerAccount.Kind.DEFERRAL_BUDGET,
        name=f"{programme.name} deferral budget",
        currency=programme.currency,
        programme_id=programme.pk,
    )
    obligations = account_create(
        key=f"programme:{programme.pk}:deferral:obligations",
        kind=LedgerAccount.Kind.DEFERRAL_OBLIGATIONS,
        name=f"{programme.name} learners' deferred-fee obligations",
        currency=programme.currency,
        allow_negative=True,
        programme_id=programme.pk,
    )
    return budget, obligations


def agreement_accounts_create(agreement: RepaymentAgreement) -> None:
    agreement.receivable_account = account_create(
        key=f"agreement:{agreement.pk}:receivable",
        kind=LedgerAccount.Kind.DEFERRAL_RECEIVABLE,
        name=f"Deferred fee owed under agreement {agreement.pk}",
        currency=agreement.currency,
        programme_id=agreement.deferral.programme_id,
    )
    agreement.owed_account = account_create(
        key=f"agreement:{agreement.pk}:owed",
        kind=LedgerAccount.Kind.REPAYMENT_OWED,
        name=f"Repayments owed under agreement {agreement.pk}",
        currency=agreement.currency,
        programme_id=agreement.deferral.programme_id,
    )


def post_deferral_funding(
    *, actor_id: int, deferral: ProgrammeDeferral, amount: int, idempotency_key: str | None
) -> int:
    """Funder → deferral budget, like a programme budget is funded."""
    programme = deferral.programme
    external = funder_external_account(programme.funder, programme.currency)
    posting = ledger_post(
        kind=Kind.DEFERRAL_FUNDING,
        currency=programme.currency,
        lines=[(external, -amount), (deferral.budget_account_id, amount)],
        actor_id=actor_id,
        memo=f"{programme.funder.name} funds deferrals on {programme.name}",
        idempotency_key=scoped_key("deferral-fund", programme.pk, actor_id, key=idempotency_key),
    )
    return posting.transaction_id


def post_draw(*, actor_id: int | None, agreement: RepaymentAgreement, hold_id: int) -> int:
    """Deferral budget → hold (cash), and the learner's debt booked: receivable ← obligations."""
    deferral = agreement.deferral
    receivable_id = present(agreement.receivable_account_id, "the agreement's receivable")
    try:
        posting = ledger_post(
            kind=Kind.DEFERRAL_DRAW,
            currency=agreement.currency,
            lines=[
                (deferral.budget_account_id, -agreement.amount),
                (hold_id, agreement.amount),
                (receivable_id, agreement.amount),
                (deferral.obligations_account_id, -agreement.amount),
            ],
            actor_id=actor_id,
            memo=f"Deferred part of enrolment {agreement.enrolment_id} (agreement {agreement.pk})",
            idempotency_key=f"deferral-draw:{agreement.pk}",
        )
    except InsufficientFunds as exc:
        raise DeferralBudgetExhausted(
            programme_id=deferral.programme_id, amount=agreement.amount
        ) from exc
    return posting.transaction_id


def post_exit_return(*, actor_id: int | None, agreement: RepaymentAgreement, amount: int) -> int:
    """Unspent deferred part: hold → deferral budget, and the debt lowered by as much."""
    deferral = agreement.deferral
    hold_id = present(agreement.hold_account_id, "the agreement's deferral hold")
    receivable_id = present(agreement.receivable_account_id, "the agreement's receivable")
    posting = ledger_post(
        kind=Kind.DEFERRAL_RETURN,
        currency=agreement.currency,
        lines=[
            (hold_id, -amount),
            (deferral.budget_account_id, amount),
            (receivable_id, -amount),
            (deferral.obligations_account_id, amount),
        ],
        actor_id=actor_id,
        memo=f"Unspent deferred part of enrolment {agreement.enrolment_id} returned",
        idempotency_key=f"deferral-return:{agreement.pk}",
    )
    return posting.transaction_id


def post_repayment_due(*, agreement: RepaymentAgreement, amount: int, period_label: str) -> int:
    """A repayment assessed as due moves into `owed`: first from the receivable (the debt),
    and beyond it (an income share above the amount deferred) as a new obligation."""
    receivable_id = present(agreement.receivable_account_id, "the agreement's receivable")
    owed_id = present(agreement.owed_account_id, "the agreement's owed account")
    receivable = LedgerAccount.objects.get(pk=receivable_id).balance
    principal = min(amount, receivable)
    beyond = amount - principal
    lines: list[tuple[int, int]] = [(owed_id, amount)]
    if principal:
        lines.append((receivable_id, -principal))
    if beyond:
        lines.append((agreement.deferral.obligations_account_id, -beyond))
    posting = ledger_post(
        kind=Kind.REPAYMENT_DUE,
        currency=agreement.currency,
        lines=lines,
        memo=f"Repayment due for {period_label} under agreement {agreement.pk}",
        idempotency_key=f"repayment-due:{agreement.pk}:{period_label}",
    )
    return posting.transaction_id


def post_write_off(*, agreement: RepaymentAgreement, reason: str) -> int:
    """Whatever the receivable still holds is written off. Returns the amount (0: nothing)."""
    if agreement.receivable_account_id is None:
        return 0
    remaining = LedgerAccount.objects.get(pk=agreement.receivable_account_id).balance
    if remaining == 0:
        return 0
    ledger_post(
        kind=Kind.REPAYMENT_WRITE_OFF,
        currency=agreement.currency,
        lines=[
            (agreement.receivable_account_id, -remaining),
            (agreement.deferral.obligations_account_id, remaining),
        ],
        memo=f"Written off under agreement {agreement.pk}: {reason}",
        idempotency_key=f"write-off:{agreement.pk}",
    )
    return remaining


def hold_balance(*, hold_id: int) -> int:
    """What a hold holds now, read under its row lock."""
    return LedgerAccount.objects.select_for_update().get(pk=hold_id).balance
