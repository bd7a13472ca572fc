"""Demo providers, courses and cohorts across the coming months. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from courses.models import Cohort, Course
from providers.models import Provider

PROVIDERS: list[dict[str, Any]] = [
    {
        "ukprn": "10091234",
        "legal_name": "Brum Code Academy Ltd",
        "trading_name": "Brum Code Academy",
        "address_line_1": "Custard Factory, Gibb Street",
        "town": "Birmingham",
        "postcode": "B9 4AA",
        "website": "https://brumcode.example",
        "contact_email": "hello@brumcode.example",
        "status": Provider.Status.APPROVED,
    },
    {
        "ukprn": "10087654",
        "legal_name": "Teesside Data Academy CIC",
        "trading_name": "Teesside Data Academy",
        "address_line_1": "Boho Zone, Gosford Street",
        "town": "Middlesbrough",
        "postcode": "TS1 2PE",
        "website": "https://teessidedata.example",
        "contact_email": "learn@teessidedata.example",
        "status": Provider.Status.APPROVED,
    },
    {
        "ukprn": "10065432",
        "legal_name": "Shield Cyber School Ltd",
        "trading_name": "Shield Cyber School",
        "town": "Online",
        "website": "https://shieldcyber.example",
        "contact_email": "admissions@shieldcyber.example",
        "status": Provider.Status.APPROVED,
    },
    {
        "ukprn": "10054321",
        "legal_name": "Quickskills Training Ltd",
        "trading_name": "Quickskills",
        "town": "Wolverhampton",
        "postcode": "WV1 1RE",
        "status": Provider.Status.PENDING,
    },
]

COURSES: list[dict[str, Any]] = [
    {
        "provider": "10091234",
        "title": "Full-Stack Web Development Bootcamp",
        "summary": "Build and deploy web apps with JavaScript, React, Node.js and PostgreSQL.",
        "skills": ["software-development", "web-development"],
        "level": 4,
        "mode": Course.Mode.IN_PERSON,
        "region": "West Midlands",
        "guided_learning_hours": 360,
        "length_weeks": 16,
        "price": 450_000,
        "entry_requirements": "No coding experience needed; a problem-solving task at interview.",
        "expected_outcomes": "Three deployed projects and a guaranteed employer interview.",
        "cohorts": [
            (14, 20, "Custard Factory, Birmingham"),
            (75, 24, "Custard Factory, Birmingham"),
        ],
    },
    {
        "provider": "10091234",
        "title": "Cloud and DevOps Engineering Bootcamp",
        "summary": "AWS, Terraform, Kubernetes and CI/CD for people who can already code.",
        "skills": ["cloud", "devops"],
        "level": 5,
        "mode": Course.Mode.ONLINE,
        "region": "Online (nationwide)",
        "guided_learning_hours": 400,
        "length_weeks": 16,
        "price": 650_000,  # above the West Midlands allowance: the rest can be deferred
        "expected_outcomes": "AWS Solutions Architect Associate and a cloud portfolio.",
        "cohorts": [(42, 24, "")],
    },
    {
        "provider": "10091234",
        "title": "Software Testing and QA Bootcamp",
        "summary": "Manual and automated testing with Playwright, Python and CI pipelines.",
        "skills": ["software-development", "devops"],
        "level": 3,
        "mode": Course.Mode.BLENDED,
        "region": "West Midlands",
        "guided_learning_hours": 200,
        "length_weeks": 12,
        "price": 300_000,
        "cohorts": [(35, 18, "Coventry Station Hub")],
    },
    {
        "provider": "10087654",
        "title": "Data Analyst Bootcamp",
        "summary": "SQL, Python, Power BI and storytelling with data for analyst roles.",
        "skills": ["data"],
        "level": 4,
        "mode": Course.Mode.BLENDED,
        "region": "Tees Valley",
        "guided_learning_hours": 300,
        "length_weeks": 14,
        "price": 350_000,
        "expected_outcomes": "Job-ready analyst skills; interviews with Tees Valley employers.",
        "cohorts": [(21, 16, "Boho Zone, Middlesbrough"), (105, 16, "Boho Zone, Middlesbrough")],
    },
    {
        "provider": "10087654",
        "title": "Data Engineering with Python",
        "summary": "Pipelines, cloud warehouses and dbt for people who already know SQL.",
        "skills": ["data-engineering", "cloud"],
        "level": 5,
        "mode": Course.Mode.ONLINE,
        "region": "Online (nationwide)",
        "guided_learning_hours": 280,
        "length_weeks": 12,
        "price": 420_000,
        "cohorts": [(49, 30, "")],
    },
    {
        "provider": "10065432",
        "title": "Cyber Security Analyst Bootcamp",
        "summary": "Networking, threat detection and SOC analyst skills, CompTIA Security+ prep.",
        "skills": ["cyber-security"],
        "level": 4,
        "mode": Course.Mode.ONLINE,
        "region": "Online (nationwide)",
        "guided_learning_hours": 320,
        "length_weeks": 16,
        "price": 400_000,
        "cohorts": [(28, 40, ""), (90, 40, "")],
    },
    {
        "provider": "10065432",
        "title": "Cloud Security Essentials",
        "summary": "Identity, logging and incident response on AWS and Azure.",
        "skills": ["cyber-security", "cloud"],
        "level": 5,
        "mode": Course.Mode.ONLINE,
        "region": "Online (nationwide)",
        "guided_learning_hours": 120,
        "length_weeks": 8,
        "price": 250_000,
        "cohorts": [(60, 30, "")],
    },
    {
        "provider": "10054321",
        "title": "Digital Marketing in 6 Weeks",
        "summary": "Social, search and email marketing for small businesses.",
        "skills": ["digital-marketing"],
        "level": 3,
        "mode": Course.Mode.ONLINE,
        "region": "Online (nationwide)",
        "guided_learning_hours": 60,
        "length_weeks": 6,
        "price": 150_000,
        "cohorts": [(20, 25, "")],
    },
]


def load_catalogue() -> dict[str, Provider]:
    providers: dict[str, Provider] = {}
    for data in PROVIDERS:
        provider, _ = Provider.objects.get_or_create(ukprn=data["ukprn"], defaults=data)
        providers[provider.ukprn] = provider
    today = timezone.localdate()
    for data in COURSES:
        fields = {k: v for k, v in data.items() if k not in {"provider", "cohorts"}}
        course, created = Course.objects.get_or_create(
            provider=providers[data["provider"]],
            title=data["title"],
            defaults={**fields, "status": Course.Status.PUBLISHED},
        )
        if not created:
            continue
        for days_ahead, capacity, location in data["cohorts"]:
            start = today + dt.timedelta(days=days_ahead)
            Cohort.objects.create(
                course=course,
                start_date=start,
                end_date=start + dt.timedelta(weeks=course.length_weeks),
                application_deadline=start - dt.timedelta(days=7),
                capacity=capacity,
                online=not location,
                location=location,
            )
    return providers
