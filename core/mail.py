"""Outgoing email built in one place, so no header can be injected.

Subjects quote names (a provider's, a programme's, a person's). Every subject goes through
`subject_line`, which turns line breaks and other control characters into spaces: a name
holding "\\nBcc: …" reads oddly in a subject but never adds a header, and never makes
Django refuse the message (`BadHeaderError`) after the record it announces was saved.
Call `send_plain_email` from tasks, after commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.mail import EmailMessage

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_SPACES = re.compile(r"\s{2,}")
MAX_SUBJECT = 200


def subject_line(text: str) -> str:
    """`text` on one line: control characters become spaces, runs of spaces one space."""
    line = _SPACES.sub(" ", _UNSAFE.sub(" ", text)).strip()
    return line[:MAX_SUBJECT]


def send_plain_email(*, subject: str, body: str, to: Sequence[str]) -> int:
    """Send a plain-text email from the default sender; the subject is made one line."""
    recipients = [address.strip() for address in to]
    message = EmailMessage(subject=subject_line(subject), body=body, to=recipients)
    return message.send()
