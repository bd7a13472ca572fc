"""Domain errors of audit/ (stable codes)."""

from core.errors import Conflict


class FlagAlreadyCleared(Conflict):
    code = "flag_already_cleared"
    default_detail = "This flag has already been cleared."
