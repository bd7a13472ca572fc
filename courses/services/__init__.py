"""Every write in courses/: catalogue (courses, cohorts) and enrolments with their money."""

from courses.services.catalogue import cohort_create, cohort_update, course_create, course_update
from courses.services.enrolments import (
    cohort_cancel,
    enrolment_accept,
    enrolment_apply,
    enrolment_decline,
    enrolment_offer,
    enrolment_report_problem,
    enrolment_withdraw,
)
from courses.services.milestones import (
    attendance_record,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_record_outcome,
    enrolment_record_start,
    outcome_verify,
)

__all__ = [
    "attendance_record",
    "cohort_cancel",
    "cohort_create",
    "cohort_update",
    "course_create",
    "course_update",
    "enrolment_accept",
    "enrolment_apply",
    "enrolment_complete",
    "enrolment_confirm_start",
    "enrolment_decline",
    "enrolment_offer",
    "enrolment_record_outcome",
    "enrolment_record_start",
    "enrolment_report_problem",
    "enrolment_withdraw",
    "outcome_verify",
]
