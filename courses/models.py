"""The catalogue: courses and their cohorts. Enrolments live in enrolments/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper

from core.reference import Region
from providers.models import Provider


class Course(models.Model):
    class Mode(models.TextChoices):
        ONLINE = "online", "Online"
        IN_PERSON = "in_person", "In person"
        BLENDED = "blended", "Blended"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="courses")
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    skills = ArrayField(models.SlugField(max_length=64), default=list, blank=True)
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(3), MaxValueValidator(7)]
    )
    mode = models.CharField(max_length=16, choices=Mode.choices)
    region = models.CharField(max_length=32, choices=Region.choices)
    guided_learning_hours = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    length_weeks = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(156)]
    )
    price = models.BigIntegerField(
        validators=[MinValueValidator(0)], help_text="Minor units (pence)."
    )
    currency = models.CharField(max_length=3, default="GBP")
    entry_requirements = models.TextField(blank=True)
    expected_outcomes = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by the database (courses/migrations/0006_catalogue_at_scale.py), never by Python:
    # the first upcoming open cohort's start (9999-12-31 when none), refreshed by a trigger
    # whenever a cohort changes and by the daily `courses.refresh_next_start` sweep once a
    # start date has passed; and the full-text vector of title, skills (A) and summary (B).
    next_start = models.DateField(db_default=dt.date(9999, 12, 31), editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="course_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=3, level__lte=7), name="course_level_3_to_7"
            ),
        ]
        indexes = [
            GinIndex(fields=["skills"], name="course_skills_gin"),
            models.Index(fields=["status", "level"]),
            # The catalogue at scale (docs/scaling.md): full text, partial words in titles,
            # and keyset orderings over published courses only.
            GinIndex(fields=["search_vector"], name="course_search_gin"),
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="course_title_trgm"),
            models.Index(
                fields=["next_start", "id"],
                name="course_published_next_start",
                condition=models.Q(status="published"),
            ),
            models.Index(
                fields=["region", "next_start", "id"],
                name="course_published_region",
                condition=models.Q(status="published"),
            ),
            models.Index(
                fields=["price", "id"],
                name="course_published_price",
                condition=models.Q(status="published"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def default_weekdays() -> list[int]:
    """Monday to Friday (Python's date.weekday(): 0 is Monday)."""
    return [0, 1, 2, 3, 4]


def dates_on_weekdays(start: dt.date, end: dt.date, weekdays: list[int]) -> list[dt.date]:
    days = set(weekdays)
    count = (end - start).days + 1
    return [
        start + dt.timedelta(days=n)
        for n in range(max(count, 0))
        if (start + dt.timedelta(days=n)).weekday() in days
    ]


class Cohort(models.Model):
    """A run of a course. Its timetable (`session_dates`) is the calendar that milestones
    follow: attendance is recorded against planned sessions, the start cannot be recorded
    before the first, completion not before the last (see courses/timetable.py)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open for applications"
        FULL = "full", "Full"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        CANCELLED = "cancelled", "Cancelled"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="cohorts")
    start_date = models.DateField()
    end_date = models.DateField()
    application_deadline = models.DateField()
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    online = models.BooleanField(default=False)
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]),
        default=default_weekdays,
        blank=True,
        help_text="Weekly pattern (0 Monday … 6 Sunday); empty when the timetable is a list.",
    )
    session_dates = ArrayField(
        models.DateField(),
        default=list,
        blank=True,
        help_text="Planned sessions, in order. Sessions that have passed never change.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="cohort_dates_order"
            ),
            models.CheckConstraint(
                condition=models.Q(application_deadline__lte=models.F("start_date")),
                name="cohort_deadline_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="cohort_capacity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(seats_taken__lte=models.F("capacity")),
                name="cohort_never_oversold",
            ),
            models.CheckConstraint(
                condition=models.Q(online=True) | ~models.Q(location=""),
                name="cohort_location_or_online",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "status", "start_date"]),
            models.Index(
                fields=["start_date", "course"],
                name="cohort_open_start",
                condition=models.Q(status="open"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} from {self.start_date:%d %b %Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A cohort created without a timetable gets its weekly pattern's days (by default
        # every weekday) from its start to its end date.
        if not self.session_dates and self.weekdays and self.start_date and self.end_date:
            self.session_dates = dates_on_weekdays(self.start_date, self.end_date, self.weekdays)
        super().save(*args, **kwargs)

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    @property
    def first_session(self) -> dt.date | None:
        return self.session_dates[0] if self.session_dates else None

    @property
    def last_session(self) -> dt.date | None:
        return self.session_dates[-1] if self.session_dates else None
