"""Domain errors of courses/ (stable codes)."""

from config.errors import Conflict, DomainError, InvalidInput


class UnknownSkill(InvalidInput):
    code = "unknown_skill"
    default_detail = "Skills come from the maintained list (GET /api/v1/skills)."


class CapacityBelowSeatsTaken(DomainError):
    code = "capacity_below_seats_taken"
    default_detail = "Capacity cannot go below the seats already taken."


class InvalidCohortDates(InvalidInput):
    code = "invalid_dates"
    default_detail = "The dates are not in order."


class CohortNotEditable(DomainError):
    code = "cohort_not_editable"
    default_detail = "A cohort that is running, finished or cancelled cannot be changed."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = "The enrolment is not in a state that allows this."


class CohortClosed(DomainError):
    code = "cohort_closed"
    default_detail = "This cohort is not taking applications."


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"
    default_detail = "You already have an application or place on this cohort."


class ProviderNotActive(DomainError):
    code = "provider_not_active"
    default_detail = "The provider is not approved at the moment; this cannot go ahead."


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
