"""Repayment plans, programme deferral offers, agreements, declarations and charges."""

from payments.models.agreements import (
    IncomeDeclaration,
    IncomeEvidence,
    RepaymentAgreement,
    RepaymentAssessment,
    RepaymentCharge,
)
from payments.models.cards import CardPayment, CardRefund, StripeEvent
from payments.models.deferrals import ProgrammeDeferral
from payments.models.plans import PlanThreshold, RepaymentPlan

__all__ = [
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
