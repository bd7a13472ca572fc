"""The default skills list (seeded by migration); platform staff maintain it after."""

from __future__ import annotations

from collections.abc import Iterable

from core.errors import InvalidInput
from core.models import Skill

DEFAULT_SKILLS = [
    ("software-development", "Software development"),
    ("web-development", "Web development"),
    ("data", "Data analysis"),
    ("data-engineering", "Data engineering"),
    ("ai-machine-learning", "AI and machine learning"),
    ("cyber-security", "Cyber security"),
    ("cloud", "Cloud computing"),
    ("devops", "DevOps"),
    ("digital-marketing", "Digital marketing"),
    ("ux-design", "UX and product design"),
    ("it-support", "IT support"),
    ("project-management", "Digital project management"),
]


def ensure_default_skills() -> None:
    """Create any missing default skill; never changes or re-activates existing ones."""
    existing = set(Skill.objects.values_list("slug", flat=True))
    Skill.objects.bulk_create(
        [Skill(slug=slug, name=name) for slug, name in DEFAULT_SKILLS if slug not in existing]
    )


class UnknownSkill(InvalidInput):
    code = "unknown_skill"
    default_detail = "Skills come from the maintained list (GET /api/v1/skills)."


def check_skills(skills: Iterable[str]) -> list[str]:
    """The slugs in order without repeats; refused when any is not an active skill."""
    wanted = list(dict.fromkeys(skills))
    known = set(Skill.objects.filter(slug__in=wanted, active=True).values_list("slug", flat=True))
    unknown = [slug for slug in wanted if slug not in known]
    if unknown:
        raise UnknownSkill(f"Unknown skills: {', '.join(unknown)}.", unknown=unknown)
    return wanted
