"""Redis (the broker) is down: the API keeps answering, and tasks queued after commit are not
lost. They wait in the outbox (`core.OutboxTask`, written in the same transaction as the
change) and the sweeper `core.deliver_outbox` sends them once the broker is back."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.db import transaction

from config.celery_app import app
from core.jobs import enqueue_on_commit, outbox_deliver
from core.models import OutboxTask
from tests.factories import UserFactory, make_programme
from tests.faults.celery_broker import DEAD_BROKER, broker
from tests.helpers import client_for
from wallets.models import Grant
from wallets.tasks import notify_grant_received

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.timedelta(0)


def test_with_redis_down_a_grant_succeeds_and_its_email_task_waits_for_the_broker() -> None:
    programme = make_programme(budget=1_000_000, allowance=300_000, regions=["West Midlands"])
    officer = client_for(programme.funder.memberships.get().user, mfa=True)
    learner = UserFactory.create(email="learner@example.org")
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"

    with broker(DEAD_BROKER):
        started = time.monotonic()
        granted = officer.post(url, {"learner_email": learner.email}, format="json")
        assert granted.status_code == 201, granted.json()
        assert time.monotonic() - started < 30  # no retrying against the dead broker
        assert officer.get(url).status_code == 200  # reads answer too

        waiting = OutboxTask.objects.get()
        assert waiting.task_name == "wallets.notify_grant_received"
        assert waiting.args == [granted.json()["id"]]
        assert waiting.attempts == 1
        assert waiting.last_error  # why it was not sent
        assert waiting.claimed_until is None  # free for the sweeper

        # The sweeper runs while Redis is still down: the task stays, one more attempt.
        assert outbox_deliver(older_than=NOW) == 0
        assert OutboxTask.objects.get().attempts == 2

    assert Grant.objects.filter(programme=programme).count() == 1
    with broker("memory://"):  # the broker is back
        assert outbox_deliver(older_than=NOW) == 1
        assert not OutboxTask.objects.exists()
        with app.connection_for_write() as connection:
            queue = connection.SimpleQueue("celery")
            message = queue.get(timeout=5)
            assert message.headers["task"] == "wallets.notify_grant_received"
            assert message.payload[0] == [granted.json()["id"]]
            message.ack()
            assert queue.qsize() == 0  # sent once
            queue.close()
        assert outbox_deliver(older_than=NOW) == 0  # nothing left to send


def test_a_task_enqueued_in_a_rolled_back_transaction_is_never_written_or_sent() -> None:
    written: list[int] = []

    def change_that_fails() -> None:
        with transaction.atomic():
            enqueue_on_commit(notify_grant_received, 1)
            written.append(OutboxTask.objects.count())  # written with the change...
            raise RuntimeError("the change fails")

    with broker(DEAD_BROKER):
        with pytest.raises(RuntimeError):
            change_that_fails()
        assert written == [1]
        assert not OutboxTask.objects.exists()  # ...and gone with it


def test_the_sweeper_leaves_fresh_rows_to_the_send_after_commit() -> None:
    with broker(DEAD_BROKER):
        OutboxTask.objects.create(task_name="wallets.notify_grant_received", args=[1])
        assert outbox_deliver() == 0  # younger than 30 seconds: not its turn
        assert OutboxTask.objects.get().attempts == 0


def test_the_sweeper_is_scheduled() -> None:
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks["core.deliver_outbox"] == 60
