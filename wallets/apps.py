from django.apps import AppConfig


class WalletsConfig(AppConfig):
    name = "wallets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from users.memberships import register_role_source
        from wallets.selectors import funder_role_grants

        register_role_source(funder_role_grants)
