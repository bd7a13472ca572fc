"""The current request's id (X-Request-ID), set by config.middleware.RequestIdMiddleware.

Log lines carry it (config.logging) and so do audit records (core.audit).
"""

import contextvars

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
