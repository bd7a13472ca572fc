"""Enrolments, moved from courses/ with their data: the tables are renamed, not rebuilt."""

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models

MOVED = [
    "enrolment",
    "attendancerecord",
    "enrolmentevent",
    "holddraw",
    "milestonepayment",
    "problemreport",
    "refund",
]

RENAME_TABLES = """
ALTER TABLE courses_enrolment RENAME TO enrolments_enrolment;
ALTER TABLE courses_attendancerecord RENAME TO enrolments_attendancerecord;
ALTER TABLE courses_enrolmentevent RENAME TO enrolments_enrolmentevent;
ALTER TABLE courses_holddraw RENAME TO enrolments_holddraw;
ALTER TABLE courses_milestonepayment RENAME TO enrolments_milestonepayment;
ALTER TABLE courses_problemreport RENAME TO enrolments_problemreport;
ALTER TABLE courses_refund RENAME TO enrolments_refund;
ALTER INDEX courses_enr_cohort__2578bf_idx RENAME TO enrolment_waitlist_order_idx;
"""

RENAME_BACK = """
ALTER TABLE enrolments_enrolment RENAME TO courses_enrolment;
ALTER TABLE enrolments_attendancerecord RENAME TO courses_attendancerecord;
ALTER TABLE enrolments_enrolmentevent RENAME TO courses_enrolmentevent;
ALTER TABLE enrolments_holddraw RENAME TO courses_holddraw;
ALTER TABLE enrolments_milestonepayment RENAME TO courses_milestonepayment;
ALTER TABLE enrolments_problemreport RENAME TO courses_problemreport;
ALTER TABLE enrolments_refund RENAME TO courses_refund;
ALTER INDEX enrolment_waitlist_order_idx RENAME TO courses_enr_cohort__2578bf_idx;
"""


def _relabel(apps, source, target):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label=source, model__in=MOVED).update(app_label=target)


def move_content_types(apps, schema_editor):
    # Permissions and admin history follow the models to their new app.
    _relabel(apps, "courses", "enrolments")


def move_content_types_back(apps, schema_editor):
    _relabel(apps, "enrolments", "courses")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0004_move_skills_and_enrolments_out"),
        ("wallets", "0004_alter_ledgertransaction_kind"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Enrolment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("applied", "Applied"),
                                    ("offered", "Offered a place"),
                                    ("waitlisted", "On the waiting list"),
                                    ("accepted", "Accepted (place taken, funds held)"),
                                    ("started", "Started"),
                                    ("completed", "Completed"),
                                    ("outcome_recorded", "Outcome recorded"),
                                    ("declined", "Declined"),
                                    ("withdrawn", "Withdrawn"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="applied",
                                max_length=20,
                            ),
                        ),
                        (
                            "statement",
                            models.TextField(
                                blank=True, help_text="The learner's short statement when applying."
                            ),
                        ),
                        ("waitlisted_at", models.DateTimeField(blank=True, null=True)),
                        ("price", models.BigIntegerField(default=0)),
                        ("currency", models.CharField(default="GBP", max_length=3)),
                        ("wallet_part", models.BigIntegerField(default=0)),
                        ("co_payment", models.BigIntegerField(default=0)),
                        ("deferred_part", models.BigIntegerField(default=0)),
                        ("milestone_start_percent", models.PositiveSmallIntegerField(default=45)),
                        (
                            "milestone_completion_percent",
                            models.PositiveSmallIntegerField(default=35),
                        ),
                        ("milestone_outcome_percent", models.PositiveSmallIntegerField(default=20)),
                        ("provider_recorded_start_at", models.DateTimeField(blank=True, null=True)),
                        ("learner_confirmed_start_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "attendance_percent",
                            models.PositiveSmallIntegerField(blank=True, null=True),
                        ),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "outcome",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("employment", "New job"),
                                    ("promotion", "Promotion or more responsibility"),
                                    ("further_learning", "Further learning"),
                                    ("none", "None yet"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("outcome_evidence", models.TextField(blank=True)),
                        (
                            "outcome_verification",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("not_sampled", "Not sampled (paid on record)"),
                                    ("pending", "Awaiting the funder's check"),
                                    ("verified", "Verified by the funder"),
                                    ("rejected", "Rejected by the funder"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("hold_closed_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "cohort",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="enrolments",
                                to="courses.cohort",
                            ),
                        ),
                        (
                            "hold_account",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="enrolment_hold",
                                to="wallets.ledgeraccount",
                            ),
                        ),
                        (
                            "learner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="enrolments",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "programme",
                            models.ForeignKey(
                                blank=True,
                                help_text="The programme whose milestone schedule and outcome sampling apply.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="enrolments",
                                to="wallets.fundingprogramme",
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="AttendanceRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("session_date", models.DateField()),
                        ("present", models.BooleanField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "enrolment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attendance",
                                to="enrolments.enrolment",
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="EnrolmentEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("action", models.CharField(max_length=40)),
                        ("from_status", models.CharField(blank=True, max_length=20)),
                        ("to_status", models.CharField(blank=True, max_length=20)),
                        ("reason", models.CharField(blank=True, max_length=500)),
                        ("amount", models.BigIntegerField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "enrolment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="events",
                                to="enrolments.enrolment",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["created_at", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="HoldDraw",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("amount", models.BigIntegerField()),
                        ("returned", models.BigIntegerField(default=0)),
                        (
                            "enrolment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="draws",
                                to="enrolments.enrolment",
                            ),
                        ),
                        (
                            "pot",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="wallets.walletpot",
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="MilestonePayment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "milestone",
                            models.CharField(
                                choices=[
                                    ("start", "Start"),
                                    ("completion", "Completion"),
                                    ("outcome", "Outcome"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("amount", models.BigIntegerField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "enrolment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="milestone_payments",
                                to="enrolments.enrolment",
                            ),
                        ),
                        (
                            "transaction",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="milestone_payment",
                                to="wallets.ledgertransaction",
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="ProblemReport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("description", models.TextField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "enrolment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="problems",
                                to="enrolments.enrolment",
                            ),
                        ),
                        (
                            "reported_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="Refund",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("amount", models.BigIntegerField()),
                        ("currency", models.CharField(max_length=3)),
                        ("reason", models.CharField(max_length=200)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending card refund"),
                                    ("refunded", "Refunded"),
                                ],
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "enrolment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="refunds",
                                to="enrolments.enrolment",
                            ),
                        ),
                    ],
                ),
                migrations.AddIndex(
                    model_name="enrolment",
                    index=models.Index(
                        fields=["cohort", "status", "waitlisted_at"],
                        name="enrolment_waitlist_order_idx",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="enrolment",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(
                            ("status__in", ["declined", "withdrawn", "cancelled"]), _negated=True
                        ),
                        fields=("learner", "cohort"),
                        name="one_live_enrolment_per_cohort",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="enrolment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("co_payment__gte", 0),
                            ("deferred_part__gte", 0),
                            ("wallet_part__gte", 0),
                        ),
                        name="enrolment_parts_not_negative",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="enrolment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            (
                                "price",
                                django.db.models.expressions.CombinedExpression(
                                    django.db.models.expressions.CombinedExpression(
                                        models.F("wallet_part"), "+", models.F("co_payment")
                                    ),
                                    "+",
                                    models.F("deferred_part"),
                                ),
                            )
                        ),
                        name="enrolment_parts_sum_to_price",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="attendancerecord",
                    constraint=models.UniqueConstraint(
                        fields=("enrolment", "session_date"), name="one_attendance_per_session"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="holddraw",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("amount__gt", 0),
                            ("returned__gte", 0),
                            ("returned__lte", models.F("amount")),
                        ),
                        name="hold_draw_amounts",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="milestonepayment",
                    constraint=models.UniqueConstraint(
                        fields=("enrolment", "milestone"), name="milestone_pays_once"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="milestonepayment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("amount__gte", 0)), name="milestone_amount_not_negative"
                    ),
                ),
            ],
            # The tables exist (made by courses/migrations/0003): rename, keep every row.
            database_operations=[migrations.RunSQL(RENAME_TABLES, RENAME_BACK)],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
