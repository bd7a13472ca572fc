"""Exact summaries of the ledger for the funder reports (audit/reports/summaries.py).

Plain tables read and written by SQL only (no models): the reports add the entries above
the watermark `summarised_id` read live, so the figures are exact whatever the summary's age.
"""

from django.db import migrations

CREATE = """
CREATE TABLE audit_reports_summary_state (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    summarised_id bigint NOT NULL DEFAULT 0,
    pending_id bigint,
    pending_xmax bigint
);
INSERT INTO audit_reports_summary_state (id) VALUES (1);

CREATE TABLE audit_reports_programme_flow (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id bigint NOT NULL,
    day date NOT NULL,
    account_kind varchar(32) NOT NULL,
    provider_id bigint,
    transaction_kind varchar(32) NOT NULL,
    amount numeric NOT NULL
);
CREATE INDEX audit_reports_programme_flow_day ON audit_reports_programme_flow (programme_id, day);

CREATE TABLE audit_reports_enrolment_flow (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id bigint NOT NULL,
    day date NOT NULL,
    enrolment_id bigint NOT NULL,
    learner_id bigint NOT NULL,
    provider_id bigint NOT NULL,
    course_id bigint NOT NULL,
    region varchar(64) NOT NULL,
    released bigint NOT NULL,
    clawed_back bigint NOT NULL
);
CREATE INDEX audit_reports_enrolment_flow_day ON audit_reports_enrolment_flow (programme_id, day);
CREATE INDEX audit_reports_enrolment_flow_enrolment ON audit_reports_enrolment_flow (enrolment_id);
"""

DROP = """
DROP TABLE audit_reports_enrolment_flow;
DROP TABLE audit_reports_programme_flow;
DROP TABLE audit_reports_summary_state;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("wallets", "0013_ledger_verification_runs"),
        ("enrolments", "0007_sampling_decision_and_application_origin"),
        ("courses", "0005_cohort_timetable"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
