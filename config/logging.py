"""Request ids for log lines: set per request by RequestIdMiddleware, read by a log filter."""

import logging

from core.request_id import request_id_var

__all__ = ["RequestIdFilter", "request_id_var"]


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True
