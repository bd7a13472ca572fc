"""Skills move to core/ and enrolments to enrolments/ (state only; no data is lost)."""

from django.db import migrations


def copy_skills_to_core(apps, schema_editor):
    old_skill = apps.get_model("courses", "Skill")
    new_skill = apps.get_model("core", "Skill")
    for skill in old_skill.objects.all():
        new_skill.objects.update_or_create(
            slug=skill.slug, defaults={"name": skill.name, "active": skill.active}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("courses", "0003_enrolment_attendancerecord_enrolmentevent_holddraw_and_more"),
    ]

    operations = [
        # Skills move to core (reference data shared with programmes): copy, then drop here.
        migrations.RunPython(copy_skills_to_core, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="Skill",
        ),
        # Enrolments move to their own app. Only Django's state changes here; the tables are
        # renamed, not dropped, by enrolments/migrations/0001_initial.py.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="attendancerecord",
                    name="enrolment",
                ),
                migrations.RemoveField(
                    model_name="attendancerecord",
                    name="recorded_by",
                ),
                migrations.RemoveField(
                    model_name="enrolment",
                    name="cohort",
                ),
                migrations.RemoveField(
                    model_name="enrolment",
                    name="hold_account",
                ),
                migrations.RemoveField(
                    model_name="enrolment",
                    name="learner",
                ),
                migrations.RemoveField(
                    model_name="enrolment",
                    name="programme",
                ),
                migrations.RemoveField(
                    model_name="milestonepayment",
                    name="enrolment",
                ),
                migrations.RemoveField(
                    model_name="problemreport",
                    name="enrolment",
                ),
                migrations.RemoveField(
                    model_name="holddraw",
                    name="enrolment",
                ),
                migrations.RemoveField(
                    model_name="enrolmentevent",
                    name="enrolment",
                ),
                migrations.RemoveField(
                    model_name="refund",
                    name="enrolment",
                ),
                migrations.RemoveField(
                    model_name="enrolmentevent",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="holddraw",
                    name="pot",
                ),
                migrations.RemoveField(
                    model_name="milestonepayment",
                    name="transaction",
                ),
                migrations.RemoveField(
                    model_name="problemreport",
                    name="reported_by",
                ),
                migrations.DeleteModel(
                    name="AttendanceRecord",
                ),
                migrations.DeleteModel(
                    name="Enrolment",
                ),
                migrations.DeleteModel(
                    name="Refund",
                ),
                migrations.DeleteModel(
                    name="EnrolmentEvent",
                ),
                migrations.DeleteModel(
                    name="HoldDraw",
                ),
                migrations.DeleteModel(
                    name="MilestonePayment",
                ),
                migrations.DeleteModel(
                    name="ProblemReport",
                ),
            ],
            database_operations=[],
        ),
    ]
