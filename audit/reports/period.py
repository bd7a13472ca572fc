"""The period a report covers: whole days `from`..`to` (both included), in the service's time
zone, read from the query string and refused with a 400 when malformed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from core.errors import InvalidInput

MAX_DAYS = 366 * 10


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included

    @property
    def start_at(self) -> dt.datetime:
        """The first moment of the period (aware, in the service's time zone)."""
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_before(self) -> dt.datetime:
        """The first moment after the period."""
        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )

    @property
    def before_start(self) -> dt.datetime:
        """The last moment before the period (snapshots `as_of` include their moment)."""
        return self.start_at - dt.timedelta(microseconds=1)

    @property
    def last_moment(self) -> dt.datetime:
        return self.end_before - dt.timedelta(microseconds=1)


def _date(name: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"`{name}` must be a date (YYYY-MM-DD).", fields={name: ["Not a date."]}
        ) from None


def period_from_query(
    params: dict[str, str], *, default_start: dt.date, today: dt.date | None = None
) -> Period:
    """`from` defaults to `default_start` (the programme's creation), `to` to today."""
    today = today or timezone.localdate()
    start = _date("from", params["from"]) if params.get("from") else default_start
    end = _date("to", params["to"]) if params.get("to") else today
    if end < start:
        raise InvalidInput("`to` must not be before `from`.", fields={"to": ["Before `from`."]})
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(
            "A report covers at most ten years.", fields={"to": ["Too far from `from`."]}
        )
    return Period(start, end)
