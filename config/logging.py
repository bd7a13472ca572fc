"""Request ids for log lines (set per request by RequestIdMiddleware, read by a log filter);
a filter that keeps secrets out of every log line."""

import logging
import re

from core.request_id import request_id_var

__all__ = ["RequestIdFilter", "request_id_var"]


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# Names whose values are secrets wherever they appear in a log line: `password=…`,
# `"session_token": "…"`, `Authorization: Bearer …`, `X-Session-Token: …`, `sessionid=…`.
_HIDDEN_FIELD = (
    r"[\w-]*(?:password|passwd|secret|token|authorization|cookie|sessionid|api[_-]?key|totp)[\w-]*"
)
_SECRET_PAIR = re.compile(
    rf"""(?ix)
    (["']?\b{_HIDDEN_FIELD}["']?\s*[:=]\s*)   # the name and its separator
    (["']?)                                   # an optional opening quote
    ((?:bearer|basic|token)\s+)?              # an optional auth scheme
    [^"'\s,;&}}\]]+                           # the value
    """
)
REDACTED = "[redacted]"
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


def redact(text: str) -> str:
    """`text` with the value of every secret-named field replaced by `[redacted]`."""
    return _SECRET_PAIR.sub(lambda m: f"{m[1]}{m[2]}{m[3] or ''}{REDACTED}", text)


class SecretRedactingFilter(logging.Filter):
    """Redacts secrets from every record before a handler formats it: in the message (also
    one built from arguments) and in extra fields whose names say they hold a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: leave it to the formatter
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        for name in set(vars(record)) - _STANDARD_ATTRIBUTES:
            if re.fullmatch(_HIDDEN_FIELD, name, re.IGNORECASE):
                setattr(record, name, REDACTED)
        return True
