"""Reads: the public catalogue (fixed query count), and courses/cohorts scoped to providers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db.models import F, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from core.errors import NotFound
from core.replica import read_alias
from courses.models import Cohort, Course
from providers.models import Provider, ProviderMembership
from wallets.models import FundingProgramme, ProgrammeProviderApproval, WalletPot
from wallets.services.pots import SpendTarget, pot_allows


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    skill: str | None = None
    level: int | None = None
    mode: str | None = None
    region: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    funded_by: FundingProgramme | None = None


def catalogue_courses(
    *, filters: CatalogueFilters, today: dt.date | None = None
) -> QuerySet[Course]:
    """Published courses of approved providers, with their upcoming open cohorts.

    Annotates `upcoming_start` for ordering: the first upcoming open cohort's start (or
    9999-12-31), or with a start window the first open start inside it.
    """
    today = today or timezone.localdate()
    courses = (
        Course.objects.using(read_alias())
        .filter(status=Course.Status.PUBLISHED, provider__status=Provider.Status.APPROVED)
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "cohorts",
                queryset=Cohort.objects.filter(
                    status__in=[Cohort.Status.OPEN, Cohort.Status.FULL], start_date__gte=today
                ).order_by("start_date", "pk"),
                to_attr="upcoming_cohorts",
            )
        )
    )
    if filters.start_from or filters.start_to:
        # The first open start inside the window: only courses with one, joined through the
        # open cohorts' partial index (cohort_open_start).
        window = Q(cohorts__status=Cohort.Status.OPEN, cohorts__start_date__gte=today)
        if filters.start_from:
            window &= Q(cohorts__start_date__gte=filters.start_from)
        if filters.start_to:
            window &= Q(cohorts__start_date__lte=filters.start_to)
        courses = courses.filter(window).annotate(upcoming_start=Min("cohorts__start_date"))
    else:
        # The column the database keeps (Course.next_start): the start-date order reads an
        # index instead of aggregating every cohort of every course.
        courses = courses.annotate(upcoming_start=F("next_start"))
    if filters.skill:
        courses = courses.filter(skills__contains=[filters.skill])
    if filters.level is not None:
        courses = courses.filter(level=filters.level)
    if filters.mode:
        courses = courses.filter(mode=filters.mode)
    if filters.region:
        courses = courses.filter(region=filters.region)
    if filters.price_min is not None:
        courses = courses.filter(price__gte=filters.price_min)
    if filters.price_max is not None:
        courses = courses.filter(price__lte=filters.price_max)
    if filters.funded_by is not None:
        courses = courses.filter(programme_allows(filters.funded_by))
    if filters.q:
        query = SearchQuery(filters.q, search_type="websearch", config="english")
        # `@@` matches words (stemmed: "analysts" finds "analyst") on the stored vector of
        # title, skills and summary (GIN index); the substring test catches partial words in
        # titles ("Java" in "JavaScript"), through the trigram index on UPPER(title).
        courses = courses.filter(Q(search_vector=query) | Q(title__icontains=filters.q))
    return courses


def programme_allows(programme: FundingProgramme) -> Q:
    """Courses a programme pays for: its approved providers, levels and skills, its currency."""
    condition = Q(
        provider__in=ProgrammeProviderApproval.objects.filter(programme=programme).values(
            "provider_id"
        ),
        currency=programme.currency,
    )
    if programme.allowed_levels:
        condition &= Q(level__in=programme.allowed_levels)
    if programme.allowed_skills:
        condition &= Q(skills__overlap=programme.allowed_skills)
    return condition


def wallet_funds_for_courses(*, user: Any, courses: Iterable[Course]) -> dict[int, int]:
    """For each course, how much of the learner's wallet could pay for it (two queries)."""
    now = timezone.now()
    pots = list(
        WalletPot.objects.spendable(now)
        .filter(wallet__learner=user)
        .select_related("programme", "account")
    )
    approvals: dict[int, set[int]] = defaultdict(set)
    for programme_id, provider_id in ProgrammeProviderApproval.objects.filter(
        programme_id__in={p.programme_id for p in pots if p.programme_id}
    ).values_list("programme_id", "provider_id"):
        approvals[provider_id].add(programme_id)
    funds: dict[int, int] = {}
    for course in courses:
        target = SpendTarget(
            provider_id=course.provider_id, level=course.level, skills=course.skills
        )
        funds[course.pk] = sum(
            pot.account.balance
            for pot in pots
            if pot.account.currency == course.currency
            and pot_allows(pot, target, approvals[course.provider_id])
        )
    return funds


def catalogue_course_get(*, course_id: int) -> Course:
    course = catalogue_courses(filters=CatalogueFilters()).filter(pk=course_id).first()
    if course is None:
        raise NotFound("Course not found.")
    return course


# --- Provider-side, scoped to membership ----------------------------------------------


def course_list_for_member(*, user: Any, provider_id: int) -> QuerySet[Course]:
    return Course.objects.filter(
        provider_id=provider_id, provider__memberships__user=user
    ).select_related("provider")


def course_get_for_member(*, user: Any, course_id: int) -> Course:
    course = (
        Course.objects.filter(
            pk=course_id,
            provider__in=ProviderMembership.objects.filter(user=user).values("provider_id"),
        )
        .select_related("provider")
        .first()
    )
    if course is None:
        raise NotFound("Course not found.")
    return course


def cohort_get_for_member(*, user: Any, cohort_id: int) -> Cohort:
    cohort = (
        Cohort.objects.filter(
            pk=cohort_id,
            course__provider__in=ProviderMembership.objects.filter(user=user).values("provider_id"),
        )
        .select_related("course__provider")
        .first()
    )
    if cohort is None:
        raise NotFound("Cohort not found.")
    return cohort


def cohort_get_open(*, cohort_id: int) -> Cohort:
    cohort = (
        Cohort.objects.filter(
            pk=cohort_id,
            course__status=Course.Status.PUBLISHED,
            course__provider__status=Provider.Status.APPROVED,
        )
        .select_related("course__provider")
        .first()
    )
    if cohort is None:
        raise NotFound("Cohort not found.")
    return cohort
