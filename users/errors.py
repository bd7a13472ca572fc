"""Domain errors raised by users/ (stable codes, mapped to the API error body)."""

from core.errors import Forbidden


class MFARequired(Forbidden):
    code = "mfa_required"
    default_detail = (
        "This role requires two-factor authentication. Activate an authenticator app "
        "(TOTP) for your account, then sign in again."
    )


class MFASessionRequired(Forbidden):
    code = "mfa_session_required"
    default_detail = (
        "This session did not pass two-factor authentication. Sign out and sign in again "
        "with your password and the code from your authenticator app."
    )
