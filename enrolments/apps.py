from django.apps import AppConfig


class EnrolmentsConfig(AppConfig):
    name = "enrolments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courses.signals import cohort_seats_freed
        from enrolments.services.enrolments import offer_freed_seats

        cohort_seats_freed.connect(offer_freed_seats, dispatch_uid="enrolments.offer_freed_seats")
