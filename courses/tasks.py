"""Periodic work of the catalogue."""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="courses.refresh_next_start")
def refresh_next_start() -> int:
    """Move each course whose first upcoming start has passed on to its next open cohort.

    A trigger keeps `Course.next_start` right whenever a cohort changes; only the calendar
    moving on needs this sweep (hourly, see CELERY_BEAT_SCHEDULE). Returns the courses moved.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE courses_course SET next_start = courses_next_start(id) "
            "WHERE next_start < current_date"
        )
        return cursor.rowcount
