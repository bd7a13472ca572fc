"""Local development: debug on, a fixed development secret, tasks inline without Redis."""

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-secret-" + "x" * 32)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# Static files straight from the apps; `collectstatic` is for production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Certificates are signed with a development key made on first use (kept with the data).
CERTIFICATE_DEV_KEY_FILE = BASE_DIR / ".data" / "certificate-signing-key.pem"
