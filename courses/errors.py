"""Domain errors of courses/ (stable codes)."""

from core.errors import DomainError, InvalidInput


class CapacityBelowSeatsTaken(DomainError):
    code = "capacity_below_seats_taken"
    default_detail = "Capacity cannot go below the seats already taken."


class InvalidCohortDates(InvalidInput):
    code = "invalid_dates"
    default_detail = "The dates are not in order."


class CohortNotEditable(DomainError):
    code = "cohort_not_editable"
    default_detail = "A cohort that is running, finished or cancelled cannot be changed."
