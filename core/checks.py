"""Invariants the code relies on, checked always (an `assert` disappears under `python -O`)."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class InvariantBroken(RuntimeError):
    """Something that cannot happen did: a bug or tampered data, never bad input."""


def present(value: T | None, what: str) -> T:
    """`value`, which must be there; refuse loudly rather than guess with money."""
    if value is None:
        raise InvariantBroken(f"{what} is missing")
    return value
