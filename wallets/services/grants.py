"""Applications and grants: apply with eligibility facts, decide, grant one or many (CSV)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.checks import present
from core.errors import InvalidInput
from core.fields import AmountError, parse_amount
from core.idempotency import scoped_key
from core.jobs import enqueue_on_commit
from core.money import format_money
from users.models import User
from wallets.eligibility import EligibilityFacts, check_eligibility
from wallets.errors import (
    AlreadyApplied,
    AlreadyGranted,
    ApplicationNotPending,
    BudgetExhausted,
    BulkGrantHasErrors,
    GrantToInsider,
    InsufficientFunds,
    NotEligible,
    OwnApplication,
    ProgrammeNotActive,
)
from wallets.ledger import check_amount, ledger_post
from wallets.models import (
    FunderMembership,
    FundingProgramme,
    Grant,
    LedgerAccount,
    LedgerTransaction,
    ProgrammeApplication,
)
from wallets.selectors import check_funder_officer
from wallets.services.pots import pot_create_for_grant, wallet_get_or_create


def application_submit(
    *, actor: User, programme: FundingProgramme, facts: EligibilityFacts
) -> ProgrammeApplication:
    """A learner applies. Refused with every reason when they are not eligible."""
    today = timezone.localdate()
    reasons = check_eligibility(programme, facts, today)
    if reasons:
        raise NotEligible(reasons=[{"code": r.code, "message": r.message} for r in reasons])
    try:
        with transaction.atomic():
            return ProgrammeApplication.objects.create(
                programme=programme,
                learner=actor,
                date_of_birth=facts.date_of_birth,
                postcode=facts.postcode,
                region=facts.region,
                employment_status=facts.employment_status,
                highest_qualification_level=facts.highest_qualification_level,
            )
    except IntegrityError as exc:
        raise AlreadyApplied(programme_id=programme.pk) from exc


def insider_reason(*, actor: User, programme: FundingProgramme, learner: User) -> str | None:
    """Why `actor` may not grant `programme` money to `learner`, or None when they may.

    Nobody sits on both sides of a grant: not the officer, not anyone who belongs to the
    funder, not platform staff (who run the system the money moves through).
    """
    if learner.pk == actor.pk:
        return "you cannot grant funds to yourself"
    if learner.is_staff:
        return "platform staff cannot receive grants"
    if FunderMembership.objects.filter(user=learner, funder_id=programme.funder_id).exists():
        return "members of the funder cannot receive its grants"
    return None


def _check_not_insider(*, actor: User, programme: FundingProgramme, learner: User) -> None:
    reason = insider_reason(actor=actor, programme=programme, learner=learner)
    if reason is not None:
        raise GrantToInsider(f"Refused: {reason}.", learner_email=learner.email)


def _grant(
    *,
    actor: User,
    programme: FundingProgramme,
    learner: User,
    amount: int,
    application: ProgrammeApplication | None,
    idempotency_key: str | None,
) -> Grant:
    """Create the pot and move `amount` from the budget into it. Caller holds the transaction."""
    _check_not_insider(actor=actor, programme=programme, learner=learner)
    if Grant.objects.filter(programme=programme, learner=learner).exists():
        raise AlreadyGranted(learner_id=learner.pk, programme_id=programme.pk)
    now = timezone.now()
    wallet = wallet_get_or_create(learner=learner)
    pot = pot_create_for_grant(wallet=wallet, programme=programme, granted_at=now)
    try:
        posting = ledger_post(
            kind=LedgerTransaction.Kind.GRANT,
            currency=programme.currency,
            lines=[(programme.budget_account_id, -amount), (pot.account_id, amount)],
            actor_id=actor.pk,
            memo=f"Grant from {programme.name}",
            idempotency_key=scoped_key(
                "grant", programme.pk, learner.pk, actor.pk, key=idempotency_key
            ),
        )
    except InsufficientFunds as exc:
        raise BudgetExhausted(
            f"The budget of {programme.name} cannot cover a grant of "
            f"{format_money(amount, programme.currency)}.",
            amount=amount,
            programme_id=programme.pk,
        ) from exc
    grant = Grant.objects.create(
        programme=programme,
        learner=learner,
        amount=amount,
        application=application,
        transaction_id=posting.transaction_id,
        granted_by=actor,
    )
    pot.grant = grant
    pot.save(update_fields=["grant"])
    audit.record(
        actor=actor,
        action="grant.create",
        obj=grant,
        after={
            "learner_id": learner.pk,
            "amount": amount,
            "currency": programme.currency,
            "application_id": application.pk if application else None,
            "transaction_id": posting.transaction_id,
        },
        funder_id=programme.funder_id,
        programme_id=programme.pk,
    )
    from wallets.tasks import notify_grant_received  # the task module imports these services

    enqueue_on_commit(notify_grant_received, grant.pk)
    return grant


def _check_grant_amount(programme: FundingProgramme, amount: int | None) -> int:
    if amount is None:
        return programme.allowance
    check_amount(amount)
    if not 0 < amount <= programme.allowance:
        raise InvalidInput(
            "A grant is between 1 penny and the allowance of "
            f"{format_money(programme.allowance, programme.currency)}.",
            amount=amount,
        )
    return amount


def _check_active(programme: FundingProgramme) -> None:
    if programme.status != FundingProgramme.Status.ACTIVE:
        raise ProgrammeNotActive(programme_id=programme.pk, status=programme.status)


def _lock_active(programme: FundingProgramme) -> None:
    """Locks the programme row (before its budget account), so that a programme closed
    meanwhile grants nothing: the caller's copy may be older than the close."""
    _check_active(FundingProgramme.objects.select_for_update().get(pk=programme.pk))


def grant_create(
    *,
    actor: User,
    programme: FundingProgramme,
    learner: User,
    amount: int | None = None,
    idempotency_key: str | None = None,
) -> Grant:
    """Grant a learner the allowance (or less) from the programme budget into a new pot."""
    check_funder_officer(user=actor, funder_id=programme.funder_id)
    amount = _check_grant_amount(programme, amount)
    _check_active(programme)
    with transaction.atomic():
        _lock_active(programme)
        # The budget row lock serialises grants of one programme; the CHECK is the backstop.
        LedgerAccount.objects.select_for_update().get(pk=programme.budget_account_id)
        try:
            return _grant(
                actor=actor,
                programme=programme,
                learner=learner,
                amount=amount,
                application=None,
                idempotency_key=idempotency_key,
            )
        except IntegrityError as exc:
            raise AlreadyGranted(learner_id=learner.pk, programme_id=programme.pk) from exc


def _check_decider(actor: User, application: ProgrammeApplication) -> None:
    """An officer of the programme's funder decides, and never on their own application."""
    check_funder_officer(user=actor, funder_id=application.programme.funder_id)
    if application.learner_id == actor.pk:
        raise OwnApplication()


def application_approve(
    *, actor: User, application: ProgrammeApplication, idempotency_key: str | None = None
) -> Grant:
    """Approve an application and grant the allowance in the same transaction."""
    with transaction.atomic():
        locked = (
            ProgrammeApplication.objects.select_for_update()
            .select_related("programme", "learner")
            .get(pk=application.pk)
        )
        _check_decider(actor, locked)
        if locked.status != ProgrammeApplication.Status.SUBMITTED:
            raise ApplicationNotPending(application_id=locked.pk, status=locked.status)
        programme = locked.programme
        _check_active(programme)
        LedgerAccount.objects.select_for_update().get(pk=programme.budget_account_id)
        grant = _grant(
            actor=actor,
            programme=programme,
            learner=locked.learner,
            amount=programme.allowance,
            application=locked,
            idempotency_key=idempotency_key,
        )
        locked.status = ProgrammeApplication.Status.APPROVED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
    return grant


def application_refuse(
    *, actor: User, application: ProgrammeApplication, reason: str
) -> ProgrammeApplication:
    if not reason.strip():
        raise InvalidInput("Say why the application is refused.", fields={"reason": "Required."})
    with transaction.atomic():
        locked = (
            ProgrammeApplication.objects.select_for_update()
            .select_related("programme")
            .get(pk=application.pk)
        )
        _check_decider(actor, locked)
        if locked.status != ProgrammeApplication.Status.SUBMITTED:
            raise ApplicationNotPending(application_id=locked.pk, status=locked.status)
        locked.status = ProgrammeApplication.Status.REFUSED
        locked.decided_by, locked.decided_at, locked.decision_reason = (
            actor,
            timezone.now(),
            reason.strip(),
        )
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    return locked


# --- Bulk grants from a CSV upload -------------------------------------------------------

MAX_BULK_ROWS = 5000


@dataclass
class BulkRow:
    line: int
    email: str
    amount: int
    learner: User | None = None


@dataclass
class BulkReport:
    rows: int = 0
    valid_rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    granted: list[int] = field(default_factory=list)  # grant ids
    granted_total: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "valid_rows": self.valid_rows,
            "errors": self.errors,
            "granted": len(self.granted),
            "granted_total": self.granted_total,
            "grant_ids": self.granted,
        }


def _unreadable_csv(reader: csv.DictReader[str], exc: csv.Error) -> InvalidInput:
    """A file the csv module cannot read (a cell over its size limit, a stray quote)."""
    line = reader.line_num + 1  # the record that failed starts after the lines read
    return InvalidInput(f"The CSV cannot be read at line {line}: {exc}.", line=line)


def _parse_bulk_csv(
    actor: User, programme: FundingProgramme, csv_text: str, report: BulkReport
) -> list[BulkRow]:
    """Validate every row; each bad row is reported with its line number and reason."""
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    try:
        headers = {h.strip().lower() for h in (reader.fieldnames or [])}
    except csv.Error as exc:
        raise _unreadable_csv(reader, exc) from exc
    if "email" not in headers:
        raise InvalidInput(
            "The CSV needs a header row with an `email` column (and optionally `amount`)."
        )
    candidates: list[BulkRow] = []
    seen: dict[str, int] = {}
    rows = enumerate(reader, start=2)
    while True:
        try:
            index, raw = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _unreadable_csv(reader, exc) from exc
        # Cells are trimmed, except the amount: it is digits and nothing else.
        cells = {(k or "").strip().lower(): v or "" for k, v in raw.items() if k is not None}
        row = {k: v if k == "amount" else v.strip() for k, v in cells.items()}
        report.rows += 1
        if report.rows > MAX_BULK_ROWS:
            raise InvalidInput(f"At most {MAX_BULK_ROWS} rows per file.")
        email = row.get("email", "").lower()
        problem = None
        amount = programme.allowance
        try:
            validate_email(email)
        except ValidationError:
            problem = "not a valid email address"
        raw_amount = row.get("amount", "")
        if problem is None and raw_amount:
            try:
                amount = parse_amount(
                    raw_amount, min_value=1, max_value=programme.allowance, allow_string=True
                )
            except AmountError:
                problem = f"amount must be a whole number of pence from 1 to {programme.allowance}"
        if problem is None and email in seen:
            problem = f"duplicate of line {seen[email]}"
        if problem is not None:
            report.errors.append({"line": index, "email": email, "reason": problem})
            continue
        seen[email] = index
        candidates.append(BulkRow(index, email, amount))

    learners = {
        u.email.lower(): u for u in User.objects.filter(email__in=[c.email for c in candidates])
    }
    already = set(
        Grant.objects.filter(programme=programme, learner__in=learners.values()).values_list(
            "learner__email", flat=True
        )
    )
    valid: list[BulkRow] = []
    for candidate in candidates:
        learner = learners.get(candidate.email)
        if learner is None:
            report.errors.append(
                {
                    "line": candidate.line,
                    "email": candidate.email,
                    "reason": "no learner has this email",
                }
            )
        elif reason := insider_reason(actor=actor, programme=programme, learner=learner):
            report.errors.append(
                {"line": candidate.line, "email": candidate.email, "reason": reason}
            )
        elif learner.email in already:
            report.errors.append(
                {
                    "line": candidate.line,
                    "email": candidate.email,
                    "reason": "already granted by this programme",
                }
            )
        else:
            candidate.learner = learner
            valid.append(candidate)
    report.errors.sort(key=lambda e: e["line"])
    report.valid_rows = len(valid)
    return valid


def grants_bulk_create(
    *,
    actor: User,
    programme: FundingProgramme,
    csv_text: str,
    grant_valid_rows: bool = False,
    idempotency_key: str | None = None,
) -> BulkReport:
    """Validate every row first. Nothing is granted from a file with errors unless asked to
    grant the valid rows; the grants of one file succeed or fail together."""
    check_funder_officer(user=actor, funder_id=programme.funder_id)
    _check_active(programme)
    report = BulkReport()
    valid = _parse_bulk_csv(actor, programme, csv_text, report)
    if report.errors and not grant_valid_rows:
        raise BulkGrantHasErrors(report=report.as_dict())
    if not valid:
        raise InvalidInput("There are no valid rows to grant.", report=report.as_dict())
    total = sum(row.amount for row in valid)
    with transaction.atomic():
        _lock_active(programme)
        budget = LedgerAccount.objects.select_for_update().get(pk=programme.budget_account_id)
        if budget.balance < total:
            raise BudgetExhausted(
                f"The budget holds {format_money(budget.balance, programme.currency)}; "
                f"these grants need {format_money(total, programme.currency)}.",
                available=budget.balance,
                required=total,
                report=report.as_dict(),
            )
        for row in valid:
            learner = present(row.learner, "a valid row's learner")
            grant = _grant(
                actor=actor,
                programme=programme,
                learner=learner,
                amount=row.amount,
                application=None,
                idempotency_key=f"{idempotency_key}:{row.line}" if idempotency_key else None,
            )
            report.granted.append(grant.pk)
            report.granted_total += row.amount
    return report
