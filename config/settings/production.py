"""Production: every secret from the environment, HTTPS only, JSON logs with request ids.

Refuses to start without SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and
CERTIFICATE_SIGNING_KEY: without Redis every worker would keep its own cache, so a TOTP code
could be replayed on another worker, throttles and lockouts would count per process, and
scheduled expiry would never run; without the signing key no certificate could be verified.
"""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

from config.database import apply_pool_mode, database_config
from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASE_POOL_MODE, DATABASES, INSTALLED_APPS, LOGGING, env


def _required(name: str) -> str:
    value = env(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    return str(value)


DEBUG = False
# The demo publishes a staff login (password and TOTP secret): never installed here.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "demo"]
SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _required("ALLOWED_HOSTS").split(",") if host.strip()]
# The replica alias (DATABASE_REPLICA_URL) comes from base; behind PgBouncer in transaction
# mode set DATABASE_POOL_MODE=transaction (no server-side cursors, no prepared statements).
DATABASES["default"] = apply_pool_mode(
    database_config(_required("DATABASE_URL")), DATABASE_POOL_MODE
)
for _alias in DATABASES.values():
    _alias["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _alias["CONN_HEALTH_CHECKS"] = True
REDIS_URL = _required("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
LOGGING["handlers"]["console"]["formatter"] = "json"  # type: ignore[index]

# Certificates are signed with the platform's RSA key (docs/certificates.md): no key, no start.
CERTIFICATE_SIGNING_KEY = _required("CERTIFICATE_SIGNING_KEY")
try:
    _signing_key = serialization.load_pem_private_key(
        CERTIFICATE_SIGNING_KEY.replace("\\n", "\n").strip().encode(), password=None
    )
except (ValueError, TypeError) as exc:
    raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY is not a PEM private key.") from exc
if not isinstance(_signing_key, rsa.RSAPrivateKey) or _signing_key.key_size < 2048:
    raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an RSA key of 2048 bits or more.")
del _signing_key
