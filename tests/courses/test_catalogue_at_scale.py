"""The catalogue at scale: the common searches read indexes, and the columns the database
keeps for them (`next_start`, `search_vector`) follow every change of cohorts and courses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from courses.apis.catalogue import ORDERINGS
from courses.models import Cohort, Course
from courses.selectors import CatalogueFilters, catalogue_courses
from courses.tasks import refresh_next_start
from tests.factories import CohortFactory, CourseFactory, ProviderFactory

pytestmark = pytest.mark.django_db

NONE = dt.date(9999, 12, 31)


@pytest.fixture
def many_courses() -> None:
    """20,000 courses and 60,000 cohorts, generated in SQL, then ANALYZE."""
    providers = [ProviderFactory.create().pk for _ in range(30)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO courses_course (provider_id, title, summary, description, skills,
                level, mode, region, guided_learning_hours, length_weeks, price, currency,
                entry_requirements, expected_outcomes, status, created_at, updated_at)
            SELECT (%s::bigint[])[1 + g %% 30],
                'Course ' || g || CASE WHEN g %% 100 = 0 THEN ' python' ELSE ' welding' END,
                'Practical ' || (ARRAY['data', 'cloud', 'plumbing', 'nursing'])[1 + g %% 4],
                '', ARRAY[CASE WHEN g %% 50 = 0 THEN 'welding' ELSE 'care' END],
                3 + g %% 5, 'online',
                (ARRAY['London', 'West Midlands', 'North West', 'Wales'])[1 + g %% 4],
                30, 10, 1000 * g, 'GBP', '', '', 'published', now(), now()
            FROM generate_series(1, 20000) AS g
            """,
            [providers],
        )
        cursor.execute(
            """
            INSERT INTO courses_cohort (course_id, start_date, end_date, application_deadline,
                capacity, seats_taken, online, location, status, weekdays, session_dates,
                created_at)
            SELECT c.id, current_date + k * 30 + (c.id % 20)::int, current_date + k * 30 + 90,
                current_date + k * 30 + (c.id % 20)::int, 10, 0, true, '', 'open', '{}', '{}', now()
            FROM courses_course c, generate_series(1, 3) AS k
            """
        )
        cursor.execute("ANALYZE providers_provider, courses_course, courses_cohort")


def _plan(filters: CatalogueFilters, ordering: str = "start_date") -> str:
    """The plan of the page the catalogue view asks for (21 rows: a page and one more)."""
    queryset = catalogue_courses(filters=filters).order_by(*ORDERINGS[ordering])[:21]
    with connection.cursor() as cursor:
        # Sequential scans cost "infinite": the planner takes one only when no index serves.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan: str = queryset.explain()
    return plan


# Either index may serve a filtered search: the filter's own (GIN) index then a top-N sort,
# or a walk of the start-date index that stops after a page of matches. The planner picks
# by its statistics; both read indexes, neither reads the whole table.
ORDERED = "course_published_next_start"


@pytest.mark.parametrize(
    ("filters", "indexes"),
    [
        (CatalogueFilters(), {ORDERED}),
        (CatalogueFilters(q="python"), {"course_search_gin", ORDERED}),
        (CatalogueFilters(q="pyth"), {"course_title_trgm", ORDERED}),
        (CatalogueFilters(skill="welding"), {"course_skills_gin", ORDERED}),
        (CatalogueFilters(region="Wales"), {"course_published_region"}),
    ],
    ids=["start-date order", "text", "partial word", "skill", "region"],
)
def test_common_catalogue_queries_use_index_scans(
    many_courses: None, filters: CatalogueFilters, indexes: set[str]
) -> None:
    plan = _plan(filters)
    assert "Seq Scan on courses_course" not in plan, plan
    assert any(index in plan for index in indexes), plan


def test_start_window_reads_the_open_cohorts_index(many_courses: None) -> None:
    today = timezone.localdate()
    plan = _plan(
        CatalogueFilters(
            start_from=today + dt.timedelta(days=40), start_to=today + dt.timedelta(days=45)
        )
    )
    assert "Seq Scan on courses_cohort" not in plan, plan
    assert "cohort_open_start" in plan, plan


def test_price_order_reads_the_price_index(many_courses: None) -> None:
    plan = _plan(CatalogueFilters(price_min=100_000, price_max=200_000), ordering="price")
    assert "Seq Scan on courses_course" not in plan, plan
    assert "course_published_price" in plan, plan


def _next_start(course: Course) -> Any:
    course.refresh_from_db(fields=["next_start"])
    return course.next_start


def test_next_start_follows_every_cohort_change() -> None:
    today = timezone.localdate()
    course = CourseFactory.create()
    assert _next_start(course) == NONE
    later = CohortFactory.create(course=course, start_date=today + dt.timedelta(days=40))
    assert _next_start(course) == later.start_date
    sooner = CohortFactory.create(course=course, start_date=today + dt.timedelta(days=10))
    assert _next_start(course) == sooner.start_date
    Cohort.objects.filter(pk=sooner.pk).update(status=Cohort.Status.FULL)
    assert _next_start(course) == later.start_date  # only open cohorts count
    Cohort.objects.filter(pk=later.pk).update(start_date=today + dt.timedelta(days=50))
    assert _next_start(course) == today + dt.timedelta(days=50)
    Cohort.objects.filter(pk=later.pk).update(status=Cohort.Status.CANCELLED)
    assert _next_start(course) == NONE


def test_moving_a_cohort_to_another_course_updates_both() -> None:
    today = timezone.localdate()
    first, second = CourseFactory.create(), CourseFactory.create()
    cohort = CohortFactory.create(course=first, start_date=today + dt.timedelta(days=5))
    Cohort.objects.filter(pk=cohort.pk).update(course=second)
    assert _next_start(first) == NONE
    assert _next_start(second) == today + dt.timedelta(days=5)


def test_the_sweep_moves_courses_past_a_start_that_has_gone() -> None:
    today = timezone.localdate()
    course = CourseFactory.create()
    CohortFactory.create(course=course, start_date=today + dt.timedelta(days=20))
    # As if the day of a start had passed since the trigger last ran.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE courses_course SET next_start = current_date - 1 WHERE id = %s", [course.pk]
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert refresh_next_start() == 1
    assert _next_start(course) == today + dt.timedelta(days=20)
    assert refresh_next_start() == 0


def test_search_vector_follows_title_summary_and_skills() -> None:
    course = CourseFactory.create(title="Welding basics", summary="Metal work", skills=[])
    found = catalogue_courses(filters=CatalogueFilters(q="bookkeeping"))
    assert course not in found
    Course.objects.filter(pk=course.pk).update(summary="Bookkeeping for welders")
    assert course in catalogue_courses(filters=CatalogueFilters(q="bookkeeping"))
    Course.objects.filter(pk=course.pk).update(skills=["accountancy"])
    assert course in catalogue_courses(filters=CatalogueFilters(q="accountancy"))
