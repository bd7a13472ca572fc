"""Signals the catalogue sends so that apps to its right can react without being imported.

`cohort_seats_freed(cohort=…)`: sent inside the transaction that holds the cohort's row lock,
after a change that can free seats (capacity raised). enrolments/ offers them to its
waiting list.
"""

from django.dispatch import Signal

cohort_seats_freed = Signal()
