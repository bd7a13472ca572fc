"""Database faults that are nobody's mistake: deadlocks, serialization failures, lock and
statement timeouts, lost connections.

A transaction that failed this way changed nothing. Where we own the whole transaction we
retry it a few times (`retry_on_transient_conflict`); otherwise the API answers 503 with
`Retry-After` (core/errors.py), never a 500 with PostgreSQL's message.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)
T = TypeVar("T")

# SQLSTATEs after which the whole transaction can safely run again.
RETRYABLE = {"40P01", "40001"}  # deadlock_detected, serialization_failure
# SQLSTATEs that mean "busy, try later": the above, lock_not_available, query_canceled
# (statement_timeout), and the connection exception class.
TRANSIENT = RETRYABLE | {"55P03", "57014", "57P01", "57P02", "57P03"}
ATTEMPTS = 3


def sqlstate_of(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error: Django's errors carry the driver's as `__cause__`."""
    seen: BaseException | None = exc
    for _ in range(5):  # a short chain: Django's error, the driver's, maybe a domain error
        if seen is None:
            break
        state = getattr(seen, "sqlstate", None)
        if state:
            return str(state)
        seen = seen.__cause__
    return None


def is_transient(exc: BaseException) -> bool:
    """A database error that says "busy or unreachable", not "your request is wrong"."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, DatabaseError):
        return False
    state = sqlstate_of(exc)
    if state is None:
        return isinstance(exc, OperationalError)  # no server answer: the connection failed
    return state in TRANSIENT or state.startswith("08")


def retry_on_transient_conflict(run: Callable[[], T]) -> T:
    """Run `run` (which opens its own transaction); run it again after a deadlock or a
    serialization failure, up to three times in all. Inside a caller's transaction it runs
    once: only the owner of the whole transaction may repeat it."""
    if connection.in_atomic_block:
        return run()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return run()
        except DatabaseError as exc:
            if sqlstate_of(exc) not in RETRYABLE or attempt == ATTEMPTS:
                raise
            logger.warning("transaction retried after %s (attempt %s)", sqlstate_of(exc), attempt)
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 (jitter, not secrecy)
    raise AssertionError("unreachable")
