"""Background jobs: a real Celery worker against Redis (when REDIS_URL is set), and the
inline-after-commit behaviour used without a broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction

from config.tasks import ping
from core import jobs

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def worker() -> Iterator[None]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "REDIS_URL": REDIS_URL,
        "DJANGO_DEBUG": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            "celery",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI sets it)")
def test_a_real_worker_runs_a_task_sent_through_redis(worker: None) -> None:
    from config.celery_app import app

    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    try:
        deadline = time.monotonic() + 60
        result = ping.apply_async(args=["hello from the test"])
        assert result.get(timeout=max(1, deadline - time.monotonic())) == "hello from the test"
    finally:
        app.conf.update(task_always_eager=True)


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_runs_after_commit_and_never_for_a_rollback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(ping, "delay", lambda payload: calls.append(payload))

    with transaction.atomic():
        jobs.enqueue_on_commit(ping, "committed")
        assert calls == []  # not under the transaction
    assert calls == ["committed"]

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            jobs.enqueue_on_commit(ping, "rolled back")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        enqueue_then_fail()
    assert calls == ["committed"]


def test_every_scheduled_job_is_registered_and_in_the_operators_guide() -> None:
    """An operator reads docs/operations.md to know what beat runs; a job missing there, or
    naming a task no app registers, is a job nobody watches."""
    from celery import current_app
    from django.conf import settings

    current_app.loader.import_default_modules()
    guide = (ROOT / "docs" / "operations.md").read_text()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in current_app.tasks, entry["task"]
        assert f"`{entry['task']}`" in guide, f"{entry['task']} is not in docs/operations.md"
