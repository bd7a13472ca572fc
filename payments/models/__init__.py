"""Repayment plans, programme deferral offers, agreements, declarations and charges;
provider payouts and Stripe reconciliation runs."""

from payments.models.agreements import (
    IncomeDeclaration,
    IncomeEvidence,
    RepaymentAgreement,
    RepaymentAssessment,
    RepaymentCharge,
)
from payments.models.cards import CardPayment, CardRefund, StripeEvent
from payments.models.deferrals import ProgrammeDeferral
from payments.models.payouts import (
    ConnectedAccount,
    Payout,
    PayoutItem,
    ReconciliationDifference,
    ReconciliationRun,
)
from payments.models.plans import PlanThreshold, RepaymentPlan

__all__ = [
    "ConnectedAccount",
    "Payout",
    "PayoutItem",
    "ReconciliationDifference",
    "ReconciliationRun",
    "CardPayment",
    "CardRefund",
    "IncomeDeclaration",
    "IncomeEvidence",
    "PlanThreshold",
    "ProgrammeDeferral",
    "RepaymentAgreement",
    "RepaymentAssessment",
    "RepaymentCharge",
    "RepaymentPlan",
    "StripeEvent",
]
