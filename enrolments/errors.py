"""Domain errors of enrolments/ (stable codes)."""

from core.errors import Conflict, DomainError, InvalidInput


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = "The enrolment is not in a state that allows this."


class CohortClosed(DomainError):
    code = "cohort_closed"
    default_detail = "This cohort is not taking applications."


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"
    default_detail = "You already have an application or place on this cohort."


class StartNotConfirmed(DomainError):
    code = "start_not_confirmed"
    default_detail = (
        "The learner has not confirmed the start; nothing beyond the start milestone is paid."
    )


class AttendanceMissing(DomainError):
    code = "attendance_missing"
    default_detail = "Record attendance before recording completion."


class InvalidSplit(InvalidInput):
    code = "invalid_split"
    default_detail = "The deferred part cannot exceed what the wallet would pay."


class ClawbackFailed(DomainError):
    code = "clawback_failed"
    default_detail = "The provider's account no longer holds the milestone payments to return."


class ProviderMemberCannotEnrol(DomainError):
    code = "provider_member_cannot_enrol"
    default_detail = (
        "People of a provider cannot apply to or enrol on that provider's cohorts: nobody is "
        "paid from their own enrolment."
    )


class ProviderStillApproved(DomainError):
    code = "provider_still_approved"
    default_detail = (
        "A funder cancels an enrolment only while its provider is suspended or delisted; "
        "otherwise the learner withdraws or the provider cancels the cohort."
    )


class InvalidSessions(InvalidInput):
    code = "invalid_sessions"
    default_detail = "Attendance is recorded only for planned sessions that have taken place."


class TooEarly(DomainError):
    code = "too_early"
    default_detail = "The cohort's timetable does not allow this yet."


class OutcomeOutsideWindow(DomainError):
    code = "outcome_outside_window"
    default_detail = "Outcomes are dated from the cohort's end to the end of the outcome window."


class StartNotRecorded(Conflict):
    code = "start_not_recorded"
    default_detail = "The provider has not recorded the start (or its record lapsed)."


class StartDisputed(Conflict):
    code = "start_disputed"
    default_detail = "The learner disputes this start; a funder officer decides it."


class OfferLapsed(Conflict):
    code = "offer_lapsed"
    default_detail = "The date to answer this offer has passed; the place went to someone else."
