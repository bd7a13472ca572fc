"""Enrolment APIs for learners, providers and funders, each scoped to the caller.

One view per transition. Money-moving transitions honour `Idempotency-Key`.
"""
