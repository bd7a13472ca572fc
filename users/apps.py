from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import users.schema  # noqa: F401  (registers the OpenAPI authentication scheme)
