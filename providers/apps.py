from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from providers.selectors import provider_role_grants
        from users.memberships import register_role_source

        register_role_source(provider_role_grants)
