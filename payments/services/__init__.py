"""Every write in payments/: deferral offers, agreements, declarations and assessments."""

from payments.services.agreements import (
    ExitSettlement,
    agreement_activate,
    agreement_propose,
    agreement_settle_on_exit,
    agreement_sign,
    disclosure_pdf_ensure,
)
from payments.services.deferrals import deferral_configure, deferral_fund
from payments.services.repayments import (
    AssessmentRun,
    Evidence,
    agreement_assess,
    income_declare,
    repayments_assess_due,
)

__all__ = [
    "AssessmentRun",
    "Evidence",
    "ExitSettlement",
    "agreement_activate",
    "agreement_assess",
    "agreement_propose",
    "agreement_settle_on_exit",
    "agreement_sign",
    "deferral_configure",
    "deferral_fund",
    "disclosure_pdf_ensure",
    "income_declare",
    "repayments_assess_due",
]
