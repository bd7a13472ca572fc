from django.urls import path

from payments.apis import calculator, funder, learner, payouts, stripe

urlpatterns = [
    # Public
    path(
        "repayments/calculate",
        calculator.RepaymentCalculateApi.as_view(),
        name="repayments-calculate",
    ),
    path("repayments/plans", calculator.RepaymentPlanListApi.as_view(), name="repayments-plans"),
    # Stripe (signed by Stripe; nobody signs in)
    path("payments/stripe/webhook", stripe.StripeWebhookApi.as_view(), name="stripe-webhook"),
    path(
        "payments/stripe/webhook/",
        stripe.StripeWebhookSlashApi.as_view(),
        name="stripe-webhook-slash",
    ),
    # Learners
    path(
        "enrolments/<int:enrolment_id>/checkout",
        stripe.CheckoutApi.as_view(),
        name="enrolment-checkout",
    ),
    path(
        "repayments/enrolments/<int:enrolment_id>/deferral-offer",
        learner.DeferralOfferApi.as_view(),
        name="repayments-deferral-offer",
    ),
    path(
        "repayments/agreements",
        learner.AgreementListCreateApi.as_view(),
        name="repayments-agreements",
    ),
    path(
        "repayments/agreements/<int:agreement_id>",
        learner.AgreementDetailApi.as_view(),
        name="repayments-agreement",
    ),
    path(
        "repayments/agreements/<int:agreement_id>/disclosure",
        learner.DisclosureApi.as_view(),
        name="repayments-disclosure",
    ),
    path(
        "repayments/agreements/<int:agreement_id>/disclosure.pdf",
        learner.DisclosurePdfApi.as_view(),
        name="repayments-disclosure-pdf",
    ),
    path(
        "repayments/agreements/<int:agreement_id>/sign",
        learner.AgreementSignApi.as_view(),
        name="repayments-sign",
    ),
    path(
        "repayments/agreements/<int:agreement_id>/declarations",
        learner.DeclarationListCreateApi.as_view(),
        name="repayments-declarations",
    ),
    # Providers: Stripe onboarding and payouts (docs/payouts.md)
    path(
        "providers/<int:provider_id>/payouts/onboarding",
        payouts.ProviderPayoutOnboardingApi.as_view(),
        name="provider-payouts-onboarding",
    ),
    path(
        "providers/<int:provider_id>/payouts",
        payouts.ProviderPayoutListApi.as_view(),
        name="provider-payouts",
    ),
    # Funders' officers and auditors
    path(
        "funder/programmes/<int:programme_id>/payouts",
        payouts.ProgrammePayoutsApi.as_view(),
        name="funder-programme-payouts",
    ),
    path(
        "funder/programmes/<int:programme_id>/deferral",
        funder.ProgrammeDeferralApi.as_view(),
        name="funder-programme-deferral",
    ),
    path(
        "funder/programmes/<int:programme_id>/deferral/fund",
        funder.ProgrammeDeferralFundApi.as_view(),
        name="funder-programme-deferral-fund",
    ),
    path(
        "funder/programmes/<int:programme_id>/repayment-agreements",
        funder.ProgrammeAgreementListApi.as_view(),
        name="funder-programme-repayment-agreements",
    ),
    path(
        "funder/repayment-agreements/<int:agreement_id>",
        funder.FunderAgreementDetailApi.as_view(),
        name="funder-repayment-agreement",
    ),
]
