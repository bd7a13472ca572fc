from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Funder audit: spend reports, outcome sampling, anomaly flags and the funder dashboard.

    The rightmost app: it reads wallets, enrolments and payments, and nothing imports it.
    """

    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"
