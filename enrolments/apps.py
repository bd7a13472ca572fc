from django.apps import AppConfig


class EnrolmentsConfig(AppConfig):
    name = "enrolments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courses.signals import cohort_seats_freed
        from enrolments.notifications import on_provider_status_changed
        from enrolments.services.enrolments import offer_freed_seats
        from providers.signals import provider_status_changed

        cohort_seats_freed.connect(offer_freed_seats, dispatch_uid="enrolments.offer_freed_seats")
        provider_status_changed.connect(
            on_provider_status_changed, dispatch_uid="enrolments.on_provider_status_changed"
        )
