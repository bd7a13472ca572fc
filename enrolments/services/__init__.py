"""Every write in enrolments/: the state machine, the escrow hold and the milestones."""

from enrolments.services.enrolments import (
    cohort_cancel,
    enrolment_accept,
    enrolment_apply,
    enrolment_cancel_by_funder,
    enrolment_decline,
    enrolment_offer,
    enrolment_report_problem,
    enrolment_withdraw,
)
from enrolments.services.milestones import (
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
    "enrolment_accept",
    "enrolment_apply",
    "enrolment_cancel_by_funder",
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
