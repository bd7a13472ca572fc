"""Shared records: the maintained skills list, stored answers to `Idempotency-Key`s, and the
outbox of background tasks waiting to reach the broker."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Skill(models.Model):
    """The maintained list of skills courses are tagged with and programmes fund."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an `Idempotency-Key` (see core/idempotency.py).

    Keyed by user, operation and key: another user, or another operation, with the same key
    value is a different request. The row is inserted in the same transaction as the
    request's effect, so a committed effect always has its stored answer.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=100)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "operation", "key"], name="idempotency_key_per_user_operation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.operation}:{self.key}"


class OutboxTask(models.Model):
    """A Celery task written in the same transaction as the change it follows (core/jobs.py).

    Sent to the broker after that transaction commits and then deleted; while the broker is
    unreachable the row stays, and the sweeper (`core.deliver_outbox`) sends it later. A row
    is claimed (`claimed_until`) before sending, so the sweeper and the after-commit send do
    not both send it; delivery is at least once, and every task is safe to run twice.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.attempts} attempts)"


class AuditRecord(models.Model):
    """One action that changed money, state or permissions: who, when, what, before/after.

    Written by `core.audit.record` inside the acting service's transaction, so a committed
    change always has its record and a rolled-back one never does. `funder_id` and
    `programme_id` (plain ids: core sits left of wallets) scope the trail to a funder's
    officers and auditors. Never edited or deleted (a PostgreSQL trigger refuses both).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    before = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    funder_id = models.BigIntegerField(null=True, blank=True)
    programme_id = models.BigIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["programme_id", "-at"], name="audit_record_programme_idx"),
            models.Index(fields=["funder_id", "-at"], name="audit_record_funder_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_record_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} on {self.object_type} {self.object_id}"
