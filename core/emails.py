"""Outgoing email, built in one place so that no header can be injected.

Templated emails are three templates under `templates/emails/`: `<name>.subject.txt`,
`<name>.txt` and `<name>.html` (`send_templated_email`); short notices are plain text
(`send_plain_email`). Either way the subject goes through `one_line`: subjects quote names
(a provider's, a programme's, a person's), and a line break in one could otherwise start a
new header, or make Django refuse the message (`BadHeaderError`) after the record it
announces was saved. Send from Celery tasks, after commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string

# Control characters (C0, DEL, C1), line and paragraph separators, bidirectional controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_SPACES = re.compile(r"\s{2,}")
MAX_SUBJECT = 200


def one_line(text: str) -> str:
    """`text` on one line: control characters become spaces, runs of spaces one space."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()[:MAX_SUBJECT]


def send_templated_email(*, to: list[str], template: str, context: dict[str, Any]) -> None:
    context = {"site_url": settings.FRONTEND_URL, **context}
    subject = one_line(render_to_string(f"emails/{template}.subject.txt", context))
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    message = EmailMultiAlternatives(
        subject=f"{prefix}{subject}",
        body=render_to_string(f"emails/{template}.txt", context),
        to=to,
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()


def send_plain_email(*, subject: str, body: str, to: Sequence[str]) -> int:
    """Send a plain-text email from the default sender; the subject is made one line."""
    message = EmailMessage(subject=one_line(subject), body=body, to=[a.strip() for a in to])
    return message.send()
