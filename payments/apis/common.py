"""Pieces shared by the repayment APIs: statements and errors (amounts use core.fields)."""

from __future__ import annotations

import re

from rest_framework import serializers

from core.schema import ERROR_RESPONSES, NOT_FOUND, error
from payments.models import RepaymentAgreement

_DIGITS = re.compile(r"^[0-9]{1,16}\Z")

AGREEMENT_ERRORS = {
    **ERROR_RESPONSES,
    **NOT_FOUND,
    409: error("Not allowed in the agreement's state (`agreement_state`, `disclosure_changed`…)."),
    422: error("Refused by a rule (`deferral_not_offered`, `deferral_too_large`…)."),
}


class PlanSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AgreementSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    currency = serializers.CharField()
    plan = PlanSummarySerializer()
    programme_id = serializers.IntegerField(source="deferral.programme_id")
    programme_name = serializers.CharField(source="deferral.programme.name")
    enrolment_id = serializers.IntegerField()
    course_title = serializers.CharField(source="enrolment.cohort.course.title")
    amount = serializers.IntegerField(help_text="Amount deferred now (minor units).")
    cap = serializers.IntegerField(help_text="The most that can ever be paid.")
    total_charged = serializers.IntegerField(help_text="Payments due so far (count to the cap).")
    total_repaid = serializers.IntegerField(source="total_collected")
    remaining_to_cap = serializers.SerializerMethodField()
    repayment_starts_on = serializers.DateField(allow_null=True)
    write_off_on = serializers.DateField(allow_null=True)
    declaration_flagged_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_remaining_to_cap(self, agreement: RepaymentAgreement) -> int:
        return max(0, agreement.cap - agreement.total_charged)  # type: ignore[attr-defined]


class FunderAgreementSummarySerializer(AgreementSummarySerializer):
    learner_id = serializers.IntegerField()
    learner_name = serializers.CharField(source="learner.full_name")


class StatementPeriodSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    status = serializers.ChoiceField(
        choices=["due", "paused", "declared", "not_declared", "open"],
        help_text="due: a payment was raised; paused: nothing due (below the threshold); "
        "declared: awaiting assessment; not_declared: nothing charged, declaration missing; "
        "open: the current month.",
    )
    gross_income = serializers.IntegerField(allow_null=True)
    period_threshold = serializers.IntegerField(allow_null=True)
    due = serializers.IntegerField(allow_null=True)


class StatementPaymentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    period = serializers.CharField()
    amount = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class StatementSerializer(serializers.Serializer):
    agreement = AgreementSummarySerializer()
    amount_agreed = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    basis = serializers.CharField()
    max_payments = serializers.IntegerField(allow_null=True)
    payments_made = serializers.IntegerField()
    payments_remaining = serializers.IntegerField(allow_null=True)
    total_charged = serializers.IntegerField()
    total_repaid = serializers.IntegerField()
    owed = serializers.IntegerField(help_text="Charged and not yet collected.")
    remaining_to_cap = serializers.IntegerField()
    debt_outstanding = serializers.IntegerField(
        help_text="The deferred fee not yet due (the receivable on the ledger)."
    )
    written_off = serializers.IntegerField()
    write_off_on = serializers.DateField(allow_null=True)
    next_assessment_on = serializers.DateField(allow_null=True)
    schedule = StatementPeriodSerializer(many=True)
    payments = StatementPaymentSerializer(many=True)
    paused_periods = serializers.ListField(child=serializers.CharField())
    missing_periods = serializers.ListField(child=serializers.CharField())
    declaration_reminder_sent_at = serializers.DateTimeField(allow_null=True)
    declaration_flagged_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField()
