from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from enrolments.funding import register_deferral_funding
        from payments.services.enrolment_funding import AgreementDeferralFunding

        register_deferral_funding(AgreementDeferralFunding())
