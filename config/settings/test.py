"""Tests: real PostgreSQL (DATABASE_URL, else the embedded server `make test` starts)."""

import hashlib
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, DATABASES, REST_FRAMEWORK, env

# One test database per checkout, so two clones on one server never share (and wipe) it.
DATABASES["default"]["TEST"] = {
    "NAME": "test_skills_wallet_" + hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]
}

# A second alias on the same test database, as a replica would be; reads use it only where a
# test turns READ_REPLICA_ALIAS on (tests/core/test_replica.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
READ_REPLICA_ALIAS = None

DEBUG = False
SECRET_KEY = "test-only-not-secret-" + "y" * 40
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests own the cache: limits are counted in-process and cleared between tests.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run inline unless a test starts a real worker (tests/config/test_celery.py).
CELERY_TASK_ALWAYS_EAGER = True
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon": "1000/min",
        "user": "1000/min",
        "money": "1000/min",
        "public": "1000/min",
    },
}
TEST_REDIS_URL = env("REDIS_URL", default="")
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Static files straight from the apps; `collectstatic` is for production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Generated files (certificate PDFs) go to a scratch folder, never into the checkout.
MEDIA_ROOT = Path(tempfile.gettempdir()) / DATABASES["default"]["TEST"]["NAME"] / "media"
# A signing key for this test run only.
CERTIFICATE_SIGNING_KEY = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode()
)
CERTIFICATE_VERIFY_RATE = "1000/min"
