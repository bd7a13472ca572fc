"""Provider payouts: a provider admin onboards the provider's Stripe account; the provider's
people list its payouts and the milestones each covers; funders see what was paid out per
provider from their programme's money (docs/payouts.md)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import DefaultCursorPagination
from core.schema import ERROR_RESPONSES, NOT_FOUND, error
from payments.models import Payout, PayoutItem
from payments.services.payouts import connected_account_onboard
from providers.models import Provider
from providers.selectors import provider_get_for_member
from users.permissions import HasRoleMFA
from wallets.models import LedgerTransaction
from wallets.selectors import programme_get_for_member


class OnboardingOutputSerializer(serializers.Serializer):
    stripe_account_id = serializers.CharField()
    url = serializers.URLField(help_text="Stripe's onboarding form; open it once, soon.")
    expires_at = serializers.DateTimeField()
    payouts_enabled = serializers.BooleanField(
        help_text="True once Stripe has what it needs to pay the provider."
    )


class ProviderPayoutOnboardingApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_payouts_onboarding",
        request=None,
        responses={
            201: OnboardingOutputSerializer,
            **ERROR_RESPONSES,
            403: error("Only the provider's admins (`provider_admin_required`)."),
            **NOT_FOUND,
            502: error("Stripe refused the request (`stripe_refused`)."),
            503: error("Stripe did not answer; try again (`stripe_unavailable`)."),
        },
        summary="Start or continue Stripe onboarding: your payout account and a link to it",
        description=(
            "Creates the provider's Stripe Connect Express account the first time, and each "
            "time a new one-use link to Stripe's onboarding form. Payouts start once Stripe "
            "tells us the account can receive them. Provider admins only."
        ),
    )
    def post(self, request: Request, provider_id: int) -> Response:
        provider = provider_get_for_member(user=request.user, provider_id=provider_id, admin=True)
        account, link = connected_account_onboard(actor=request.user, provider=provider)  # type: ignore[arg-type]
        return Response(
            OnboardingOutputSerializer(
                {
                    "stripe_account_id": account.stripe_account_id,
                    "url": link.url,
                    "expires_at": link.expires_at,
                    "payouts_enabled": account.payouts_enabled,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class PayoutMilestoneSerializer(serializers.Serializer):
    milestone_payment_id = serializers.IntegerField(source="milestone_payment.pk")
    enrolment_id = serializers.IntegerField(source="milestone_payment.enrolment_id")
    learner_name = serializers.SerializerMethodField()
    course_title = serializers.CharField(source="milestone_payment.enrolment.cohort.course.title")
    milestone = serializers.CharField(source="milestone_payment.milestone")
    amount = serializers.IntegerField(help_text="Minor units.")

    def get_learner_name(self, item: PayoutItem) -> str:
        return str(item.milestone_payment.enrolment.learner.get_full_name())


class PayoutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="Minor units.")
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=Payout.Status.choices)
    amount_returned = serializers.IntegerField(
        help_text="Returned to your payable balance (a failed or reversed transfer)."
    )
    stripe_transfer_id = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    milestones = PayoutMilestoneSerializer(many=True, source="items.all")


class ProviderPayoutPagination(DefaultCursorPagination):
    ordering = ("-created_at", "-id")


class ProviderPayoutListApi(APIView):
    pagination_class = ProviderPayoutPagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class PayoutListOutputSerializer(serializers.Serializer):
        payouts_enabled = serializers.BooleanField()
        results = PayoutSerializer(many=True)
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)

    @extend_schema(
        operation_id="provider_payouts",
        responses={200: PayoutListOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Your payouts, newest first, with the milestones each one covers",
        description=(
            "Each daily payout transfers your payable balance to your Stripe account. "
            "Cursor-paginated (`next`). The provider's own people only."
        ),
    )
    def get(self, request: Request, provider_id: int) -> Response:
        provider = provider_get_for_member(user=request.user, provider_id=provider_id)
        payouts = Payout.objects.filter(provider=provider).prefetch_related(
            "items__milestone_payment__enrolment__learner",
            "items__milestone_payment__enrolment__cohort__course",
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(payouts, request, view=self) or []
        account = getattr(provider, "connected_account", None)
        return Response(
            self.PayoutListOutputSerializer(
                {
                    "payouts_enabled": bool(account and account.payouts_enabled),
                    "results": page,
                    "next": paginator.get_next_link(),
                    "previous": paginator.get_previous_link(),
                }
            ).data
        )


# What each provider was paid out from a programme's money: the programme's share of the
# milestone releases that live (paid) payouts covered, read from the releases' ledger lines.
# A milestone later clawed back (its money returned to the holds) no longer counts: the
# clawback was netted from the provider's next payouts (docs/payouts.md, "Clawbacks").
_PAID_OUT_BY_PROVIDER = """
SELECT p.provider_id, p.currency, -SUM(e.amount)
FROM payments_payoutitem i
JOIN payments_payout p ON p.id = i.payout_id
JOIN enrolments_milestonepayment m ON m.id = i.milestone_payment_id
JOIN wallets_ledgerentry e ON e.transaction_id = m.transaction_id
JOIN wallets_ledgeraccount a ON a.id = e.account_id
WHERE p.status = %s AND NOT i.returned AND a.owner_programme_id = %s AND e.amount < 0
AND NOT EXISTS (
    SELECT 1 FROM enrolments_enrolmenthold h
    JOIN wallets_ledgerentry ce ON ce.account_id = h.account_id
    JOIN wallets_ledgertransaction ct ON ct.id = ce.transaction_id
    WHERE h.enrolment_id = m.enrolment_id AND ct.kind = %s
)
GROUP BY p.provider_id, p.currency
ORDER BY p.provider_id, p.currency
"""


class ProgrammePayoutsApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class ProviderPaidOutSerializer(serializers.Serializer):
        provider_id = serializers.IntegerField()
        provider_name = serializers.CharField()
        currency = serializers.CharField()
        paid_out = serializers.IntegerField(
            help_text="Your programme's money in milestone payments the provider has been "
            "paid out (transferred by Stripe), minor units."
        )

    @extend_schema(
        operation_id="funder_programme_payouts",
        responses={
            200: ProviderPaidOutSerializer(many=True),
            **ERROR_RESPONSES,
            **NOT_FOUND,
        },
        summary="Paid out to each provider from your programme's money",
        description=(
            "Per provider: the programme's share of the milestone payments that providers' "
            "payouts have transferred to them. Money released but not yet paid out is in "
            "the programme's money view under paid to providers."
        ),
    )
    def get(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(user=request.user, programme_id=programme_id)
        with connection.cursor() as cursor:
            cursor.execute(
                _PAID_OUT_BY_PROVIDER,
                [Payout.Status.PAID, programme.pk, LedgerTransaction.Kind.CLAWBACK],
            )
            rows = [(p, c, int(amount)) for p, c, amount in cursor.fetchall()]
        names = {p.pk: p.display_name for p in Provider.objects.filter(pk__in={r[0] for r in rows})}
        data: list[dict[str, Any]] = [
            {
                "provider_id": provider_id,
                "provider_name": names.get(provider_id, ""),
                "currency": currency,
                "paid_out": amount,
            }
            for provider_id, currency, amount in rows
        ]
        return Response(self.ProviderPaidOutSerializer(data, many=True).data)
