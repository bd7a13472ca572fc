"""Emails rendered from templates (text and HTML), sent by Celery tasks after commit.

Each email is three templates under `templates/emails/`: `<name>.subject.txt`,
`<name>.txt` and `<name>.html`. Subjects are one line: every control character (a line
break could otherwise start a new header) is replaced by a space.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


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
