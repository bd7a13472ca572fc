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
    offers_lapse_due,
)
from enrolments.services.milestones import (
    attendance_record,
    enrolment_complete,
    enrolment_record_outcome,
    outcome_verify,
    outcome_windows_close_due,
)
from enrolments.services.starts import (
    enrolment_confirm_start,
    enrolment_confirm_start_on_evidence,
    enrolment_dispute_start,
    enrolment_record_start,
    start_dispute_decide,
    starts_lapse_due,
)

__all__ = [
    "attendance_record",
    "cohort_cancel",
    "enrolment_accept",
    "enrolment_apply",
    "enrolment_cancel_by_funder",
    "enrolment_complete",
    "enrolment_confirm_start",
    "enrolment_confirm_start_on_evidence",
    "enrolment_decline",
    "enrolment_dispute_start",
    "enrolment_offer",
    "enrolment_record_outcome",
    "enrolment_record_start",
    "enrolment_report_problem",
    "enrolment_withdraw",
    "offers_lapse_due",
    "outcome_verify",
    "outcome_windows_close_due",
    "start_dispute_decide",
    "starts_lapse_due",
]
