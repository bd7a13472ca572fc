"""Course models: the catalogue (skills, courses, cohorts) and enrolments with their evidence."""

from courses.models.catalogue import Cohort, Course, Region, Skill
from courses.models.enrolments import (
    AttendanceRecord,
    Enrolment,
    EnrolmentEvent,
    HoldDraw,
    MilestonePayment,
    ProblemReport,
    Refund,
)

__all__ = [
    "AttendanceRecord",
    "Cohort",
    "Course",
    "Enrolment",
    "EnrolmentEvent",
    "HoldDraw",
    "MilestonePayment",
    "ProblemReport",
    "Refund",
    "Region",
    "Skill",
]
