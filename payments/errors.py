"""Domain errors of payments/: plans, deferral offers, agreements, declarations.

Codes are stable."""

from __future__ import annotations

from core.errors import Conflict, DomainError, InvalidInput, NotFound


class UnknownPlan(InvalidInput):
    code = "unknown_plan"
    default_detail = "There is no repayment plan with this code."


class ThresholdNotFound(InvalidInput):
    code = "threshold_not_found"
    default_detail = "The plan has no threshold for this tax year."


class PlanCurrencyMismatch(InvalidInput):
    code = "plan_currency_mismatch"
    default_detail = "The repayment plan's currency is not the programme's currency."


class DeferralNotOffered(DomainError):
    code = "deferral_not_offered"
    default_detail = "The programme funding this place does not offer deferral."


class DeferralTooLarge(DomainError):
    code = "deferral_too_large"
    default_detail = "You cannot defer that much for this place."


class DeferralBudgetExhausted(DomainError):
    code = "deferral_budget_exhausted"
    default_detail = "The programme's deferral budget cannot cover this amount."


class EnrolmentNotOffered(Conflict):
    code = "enrolment_not_offered"
    default_detail = "A deferral is agreed for a place you have been offered and not yet accepted."


class AgreementNotSigned(DomainError):
    code = "agreement_not_signed"
    default_detail = "Nothing is deferred without a signed agreement."


class AgreementState(Conflict):
    code = "agreement_state"
    default_detail = "The agreement is not in a state that allows this."


class DisclosureChanged(Conflict):
    code = "disclosure_changed"
    default_detail = (
        "The document you signed is not the current disclosure; read the current one and sign "
        "its hash."
    )


class DisclosureExpired(Conflict):
    code = "disclosure_expired"
    default_detail = "This disclosure has expired; ask for a new one."


class DisclosureNotRendered(Conflict):
    code = "disclosure_not_rendered"
    default_detail = "The disclosure PDF is being prepared; try again shortly."


class PeriodNotDeclarable(InvalidInput):
    code = "period_not_declarable"
    default_detail = "Income can be declared only for months of repayment that have begun."


class PeriodAlreadyAssessed(Conflict):
    code = "period_already_assessed"
    default_detail = "This month has been assessed; its declaration can no longer change."


class EvidenceTooLarge(InvalidInput):
    code = "evidence_too_large"
    default_detail = "Evidence files are at most 5 MB."


class EvidenceTypeNotAllowed(InvalidInput):
    code = "evidence_type_not_allowed"
    default_detail = "Evidence must be a PDF, PNG or JPEG file."


class AgreementNotFound(NotFound):
    code = "not_found"
    default_detail = "Agreement not found."


class StripeUnavailable(DomainError):
    code = "stripe_unavailable"
    status_code = 503
    default_detail = "Stripe did not answer; nothing was lost. Try again in a few minutes."


class StripeRefused(DomainError):
    code = "stripe_refused"
    status_code = 502
    default_detail = "Stripe refused the request; platform staff have the details."
