"""Courses, cohorts, enrolments, milestones, attendance and certificates."""
