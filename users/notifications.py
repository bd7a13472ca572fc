"""Telling people when their money moves or a deadline starts: one place for every email.

Each kind of email is listed here with whether people may turn it off. Emails about money
someone is owed or a deadline they must meet always go out; the others can be turned off
(`User.email_opt_outs`, `/api/v1/me/notifications`). Emails are sent by Celery tasks after the
transaction that caused them commits (never under a lock), rendered from
`templates/emails/<kind>.{subject.txt,txt,html}` by core/emails.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.emails import send_templated_email
from users.models import User


@dataclass(frozen=True)
class EmailKind:
    name: str
    description: str
    optional: bool


KINDS: dict[str, EmailKind] = {
    kind.name: kind
    for kind in (
        EmailKind("grant_received", "A programme granted you funds", optional=True),
        EmailKind("offer_made", "A provider offered you a place (answer by a date)", False),
        EmailKind("start_to_confirm", "A provider recorded your start: confirm it", False),
        EmailKind("milestone_paid", "A milestone was paid to your provider", optional=True),
        EmailKind("provider_frozen", "Your provider was suspended or reinstated", False),
        EmailKind("cohort_cancelled", "Your cohort was cancelled; your money came back", False),
    )
}


def wants(user: User, kind: str) -> bool:
    email_kind = KINDS[kind]
    return not (email_kind.optional and kind in user.email_opt_outs)


def notify(*, user: User, kind: str, context: dict[str, Any]) -> bool:
    """Email `user` about `kind` unless they turned it off; True when it was sent."""
    if not wants(user, kind):
        return False
    send_templated_email(
        to=[user.email],
        template=kind,
        context={"user": user, "name": user.get_full_name(), **context},
    )
    return True
