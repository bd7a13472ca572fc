"""The default skills list (also seeded by migration 0002); platform staff maintain it after."""

from __future__ import annotations

from courses.models import Skill

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
