"""WSGI entry point for gunicorn. Production settings unless DJANGO_SETTINGS_MODULE says
otherwise (importing `config` loads the Celery app, which makes the same choice)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
