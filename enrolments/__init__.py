"""Enrolments: the state machine from application to outcome, the escrow hold and the
milestones that release it on evidence, attendance, problem reports."""
