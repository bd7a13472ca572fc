"""Domain errors of wallets/: the ledger, programmes, grants and pots. Codes are stable."""

from __future__ import annotations

from rest_framework import status

from core.errors import Conflict, DomainError, InvalidInput, NotFound


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    default_detail = "There are not enough funds for this."


class CurrencyMismatch(InvalidInput):
    code = "currency_mismatch"
    default_detail = "The currency does not match the account's currency."


class UnbalancedTransaction(InvalidInput):
    code = "unbalanced_transaction"
    default_detail = "The entries of a transaction must sum to zero."


class InvalidAmount(InvalidInput):
    code = "invalid_amount"
    default_detail = "Amounts are whole numbers of minor units, and not zero."


class InvalidPosting(InvalidInput):
    code = "invalid_posting"
    default_detail = "A posting needs at least two distinct accounts."


class UnknownAccount(NotFound):
    code = "unknown_account"
    default_detail = "No such ledger account."


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"
    default_detail = "This Idempotency-Key was already used for a different request."


class LedgerImmutable(Conflict):
    code = "ledger_append_only"
    default_detail = "Ledger entries cannot be changed; post a reversal instead."


class AlreadyReversed(Conflict):
    code = "already_reversed"
    default_detail = "This transaction has already been reversed."


class ProgrammeNotActive(DomainError):
    code = "programme_not_active"
    default_detail = "The programme is not open."


class BudgetExhausted(InsufficientFunds):
    code = "budget_exhausted"
    default_detail = "The programme's budget cannot cover this grant."


class AlreadyGranted(Conflict):
    code = "already_granted"
    default_detail = "This learner already has a grant from this programme."


class AlreadyApplied(Conflict):
    code = "already_applied"
    default_detail = "You have already applied to this programme."


class ApplicationNotPending(Conflict):
    code = "application_not_pending"
    default_detail = "This application has already been decided."


class NotEligible(DomainError):
    code = "not_eligible"
    default_detail = "The learner does not meet the programme's eligibility rules."


class PotExpired(DomainError):
    code = "pot_expired"
    default_detail = "These funds have expired."


class ProgrammeInUse(Conflict):
    code = "programme_in_use"
    default_detail = (
        "Only a draft programme that has moved no money and has no applications can be deleted."
    )


class BulkGrantHasErrors(DomainError):
    code = "bulk_grant_has_errors"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "Some rows are invalid; nothing was granted."


class ProviderNotApproved(DomainError):
    code = "provider_not_approved"
    default_detail = "Only providers approved on the platform can be approved for a programme."


class GrantToInsider(DomainError):
    code = "grant_to_insider"
    default_detail = (
        "Nobody grants to themselves, to a member of the same funder or to platform staff."
    )


class OwnApplication(DomainError):
    code = "own_application"
    default_detail = "Nobody decides their own funding application; a colleague must."


class ProgrammeNotDraft(Conflict):
    code = "programme_not_draft"
    default_detail = "Only a draft programme can be activated."


class ProgrammeClosed(Conflict):
    code = "programme_closed"
    default_detail = "This programme is closed; closing is final."


class FieldNotEditable(InvalidInput):
    code = "field_not_editable"
    default_detail = "This field cannot be changed here."
