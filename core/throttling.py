"""Throttles. Money-moving writes share the `money` rate; reading never counts against it.

`MONEY_THROTTLES` keeps the anonymous and per-user rates and adds the money rate for unsafe
methods only: a funder paging through 10,000 grants is not refused because granting shares
the view.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class MoneyThrottle(ScopedRateThrottle):
    """The view's `throttle_scope` rate (`money`), for writes only."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


MONEY_THROTTLES = [AnonRateThrottle, UserRateThrottle, MoneyThrottle]
