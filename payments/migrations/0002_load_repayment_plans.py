"""The statutory UK student-loan plans with their thresholds for 2024-25 to 2026-27, and the
bootcamp income-share plan (payments/plans_data.py; docs/repayments.md has the table)."""

from django.db import migrations


def load(apps, schema_editor):
    from payments.plans_data import ensure_repayment_plans

    ensure_repayment_plans(
        apps.get_model("payments", "RepaymentPlan"), apps.get_model("payments", "PlanThreshold")
    )


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
