from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from enrolments.co_payments import register_co_payment_collection
        from enrolments.funding import register_deferral_funding
        from enrolments.models import Refund
        from payments import webhooks  # noqa: F401 (registers the webhook handlers)
        from payments.services.card_payments import CoPaymentCollector
        from payments.services.enrolment_funding import AgreementDeferralFunding
        from payments.signals import refund_owed

        register_deferral_funding(AgreementDeferralFunding())

        # Card payments and refunds join the transfers in the reconciliation with Stripe.
        from payments.reconciliation import register_source
        from payments.services.card_reconciliation import CardPaymentSource, CardRefundSource

        register_source(CardPaymentSource())
        register_source(CardRefundSource())
        register_co_payment_collection(CoPaymentCollector())
        post_save.connect(refund_owed, sender=Refund, dispatch_uid="payments.refund_owed")
