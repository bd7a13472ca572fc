"""Audit writes: the daily recompute of anomaly flags, and an officer clearing one."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.errors import FlagAlreadyCleared
from audit.models import AnomalyFlag
from audit.rules import RULES, Hit
from core import audit
from core.errors import InvalidInput
from users.models import User
from wallets.models import FundingProgramme
from wallets.selectors import check_funder_officer

NOTE_MAX = 2000


def flags_recompute(*, now: dt.datetime | None = None) -> int:
    """Run every rule on every programme that is not a draft. Returns the flags raised.

    A hit whose subject has an open flag updates that flag (reason, figures, last seen). A hit
    whose subject's flag was cleared after the newest evidence behind it stays cleared: the
    officer has seen those facts; new facts raise a new flag.
    """
    now = now or timezone.now()
    raised = 0
    programmes = FundingProgramme.objects.exclude(status=FundingProgramme.Status.DRAFT)
    for programme in programmes.order_by("pk"):
        for rule in RULES:
            for hit in rule(programme, now):
                raised += _apply_hit(programme, hit, now)
    return raised


def _apply_hit(programme: FundingProgramme, hit: Hit, now: dt.datetime) -> int:
    with transaction.atomic():
        flags = AnomalyFlag.objects.select_for_update().filter(
            programme=programme, rule=hit.rule, subject=hit.subject
        )
        open_flag = flags.filter(status=AnomalyFlag.Status.OPEN).first()
        if open_flag is not None:
            open_flag.reason, open_flag.figures, open_flag.last_seen_at = (
                hit.reason,
                hit.figures,
                now,
            )
            open_flag.save(update_fields=["reason", "figures", "last_seen_at"])
            return 0
        cleared = flags.filter(cleared_at__gte=hit.evidence_at).exists()
        if cleared:
            return 0
        try:
            with transaction.atomic():
                AnomalyFlag.objects.create(
                    programme=programme,
                    provider_id=hit.provider_id,
                    enrolment_id=hit.enrolment_id,
                    rule=hit.rule,
                    subject=hit.subject,
                    reason=hit.reason,
                    figures=hit.figures,
                    first_seen_at=now,
                    last_seen_at=now,
                )
        except IntegrityError:  # another run raised it a moment ago: one open flag is enough
            return 0
    return 1


def flag_clear(*, actor: User, flag: AnomalyFlag, note: str) -> AnomalyFlag:
    """An officer of the programme's funder clears a flag with a note. The flag is kept."""
    note = note.strip()
    if not note or len(note) > NOTE_MAX:
        raise InvalidInput(
            f"Say why the flag is cleared, in at most {NOTE_MAX} characters; the note is kept.",
            fields={"note": f"Required, at most {NOTE_MAX} characters."},
        )
    with transaction.atomic():
        locked = (
            AnomalyFlag.objects.select_for_update(of=("self",))
            .select_related("programme")
            .get(pk=flag.pk)
        )
        check_funder_officer(user=actor, funder_id=locked.programme.funder_id)
        if locked.status != AnomalyFlag.Status.OPEN:
            raise FlagAlreadyCleared(flag_id=locked.pk, cleared_at=locked.cleared_at)
        locked.status = AnomalyFlag.Status.CLEARED
        locked.cleared_by, locked.cleared_at, locked.clear_note = actor, timezone.now(), note
        locked.save(update_fields=["status", "cleared_by", "cleared_at", "clear_note"])
        audit.record(
            actor=actor,
            action="anomaly_flag.clear",
            obj=locked,
            before={"status": AnomalyFlag.Status.OPEN},
            after={"status": locked.status, "note": note, "rule": locked.rule},
            funder_id=locked.programme.funder_id,
            programme_id=locked.programme_id,
        )
    return locked
