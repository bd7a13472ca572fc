"""Repayment jobs (thin: they call services): the monthly assessment, disclosure PDFs,
reminder emails."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from payments.models import RepaymentAgreement
from payments.schedule import period_label
from payments.services import disclosure_pdf_ensure, repayments_assess_due
from payments.services.repayments import due_periods


@shared_task(name="payments.assess_repayments")
def assess_repayments() -> dict[str, Any]:
    """Assess every agreement under way (monthly; safe to re-run: each month is assessed once)."""
    return asdict(repayments_assess_due())


@shared_task(name="payments.render_disclosure")
def render_disclosure(agreement_id: int) -> None:
    disclosure_pdf_ensure(agreement_id=agreement_id)


@shared_task(name="payments.send_declaration_reminder")
def send_declaration_reminder(agreement_id: int) -> None:
    agreement = RepaymentAgreement.objects.select_related("learner").filter(pk=agreement_id).first()
    if agreement is None or agreement.status != RepaymentAgreement.Status.REPAYING:
        return
    declared = set(agreement.declarations.values_list("period", flat=True))
    missing = [
        period_label(p) for p in due_periods(agreement, timezone.localdate()) if p not in declared
    ]
    send_mail(
        subject="[Skills Wallet] Please declare your income",
        message=(
            f"We have no income declaration from you for {', '.join(missing)} under your "
            f"deferred fee agreement {agreement.pk}.\n\n"
            "Nothing is charged for a month you have not declared, but if you do not declare "
            "it soon we must tell the programme that funded your course.\n\n"
            f"Declare your income: {settings.FRONTEND_URL}/api/v1/repayments/agreements/"
            f"{agreement.pk}/declarations"
        ),
        from_email=None,
        recipient_list=[agreement.learner.email],
    )
