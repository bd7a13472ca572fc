"""Production: every secret from the environment, HTTPS only, JSON logs with request ids.

Refuses to start without SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and
CERTIFICATE_SIGNING_KEY: without Redis every worker would keep its own cache, so a TOTP code
could be replayed on another worker, throttles and lockouts would count per process, and
scheduled expiry would never run; without the signing key no certificate could be verified.
"""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

from config.database import database_config
from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS, LOGGING, env


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
DATABASES = {"default": database_config(_required("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode a server-side cursor cannot outlive its transaction.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DISABLE_SERVER_SIDE_CURSORS", default=False
)
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
