"""The Celery application. Redis (`REDIS_URL`) is the broker; see `core.jobs` for enqueueing."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("skills_wallet", include=["config.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
