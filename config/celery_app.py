"""The Celery application. Redis (`REDIS_URL`) is the broker; see `core.jobs` for enqueueing.

A worker or beat started without DJANGO_SETTINGS_MODULE runs with production settings, which
refuse to start without their secrets: never silently with DEBUG and a development key.
Developers set `DJANGO_SETTINGS_MODULE=config.settings.local` (manage.py and `make run` do).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("skills_wallet", include=["config.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
