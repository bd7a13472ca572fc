"""The starting list of skills courses are tagged with; platform staff maintain it after."""

from django.db import migrations

SKILLS = [
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


def seed(apps, schema_editor):
    Skill = apps.get_model("courses", "Skill")
    for slug, name in SKILLS:
        Skill.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
