"""Settings shared by every environment; each value comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab

from config.database import apply_pool_mode, database_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # Django's admin, signed in through allauth with MFA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "core",
    "users",
    "providers",
    "wallets",
    "courses",
    "enrolments",
    "certificates",
    "payments",
    "audit",
    "demo",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.slashes.ApiTrailingSlashMiddleware",
    "config.middleware.ApiErrorBodyMiddleware",
    "config.middleware.RequestBodyGuardMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.middleware.AllauthErrorBodyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL is the one engine. `make run`/`make test` start an embedded server and set
# DATABASE_URL when it is unset (scripts/with_database.py); the default is a local server.


DATABASES = {
    "default": database_config(
        env("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/skills_wallet")
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# `transaction` when PgBouncer in transaction mode stands in front of PostgreSQL (no
# prepared statements, no server-side cursors; config/database.py, docs/scaling.md).
DATABASE_POOL_MODE = env("DATABASE_POOL_MODE", default="session")
apply_pool_mode(DATABASES["default"], DATABASE_POOL_MODE)
# A read replica (PostgreSQL streaming replication) for the catalogue and statements: when
# set, read-only selectors query the `replica` alias (core/replica.py, docs/scaling.md).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
READ_REPLICA_ALIAS: str | None = None
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    apply_pool_mode(DATABASES["replica"], DATABASE_POOL_MODE)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    READ_REPLICA_ALIAS = "replica"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
# Our own static files: the fonts certificates are rendered with, the verification page's CSS.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated files (certificate PDFs). Not served by URL: downloads go through
# the API, which checks who may have them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".data" / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# How many reverse proxies in front of the app append to `X-Forwarded-For` (0: none, use
# the peer address). The one source of the client address for DRF's throttles and allauth's
# rate limits (users/adapters.py); too high a number lets a client choose its address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES

# --- Accounts: django-allauth, headless API and its own pages (templates/) ---------------------
FRONTEND_URL = env("FRONTEND_URL", default="http://127.0.0.1:8000")
# allauth's HTML views (`/accounts/`) sit beside the headless API: the admin signs in there,
# and the links in emails open them until a separate front end exists.
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("browser", "app")
HEADLESS_SERVE_SPECIFICATION = True
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{FRONTEND_URL}/accounts/confirm-email/{{key}}/",
    "account_reset_password": f"{FRONTEND_URL}/accounts/password/reset/",
    # `key` is "<uidb36>-<key>", the form allauth's own page expects.
    "account_reset_password_from_key": f"{FRONTEND_URL}/accounts/password/reset/key/{{key}}/",
    "account_signup": f"{FRONTEND_URL}/accounts/signup/",
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "mfa_index"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "users.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Skills Wallet] "
# Stricter limits on authentication than on the API: failed logins per IP and per account.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Skills Wallet"
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Skills Wallet <no-reply@skills-wallet.invalid>"
)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

# --- API conventions ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.ApiAutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="600/min"),
        "money": env("THROTTLE_MONEY", default="60/min"),
        "public": env("THROTTLE_PUBLIC", default="300/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Skills Wallet API",
    "DESCRIPTION": (
        "Funded skills wallets for adult learners, training providers and funders. "
        "Amounts are integers in minor units with an ISO 4217 currency. Every error has the "
        'body `{"detail", "code", "extra"}`. Authentication: django-allauth headless '
        "(`/_allauth/browser/v1/` sessions, `/_allauth/app/v1/` with `X-Session-Token`)."
    ),
    "VERSION": "1.0.0",
    "SERVERS": [{"url": FRONTEND_URL, "description": "This deployment (FRONTEND_URL)"}]
    + (
        [{"url": "http://127.0.0.1:8000", "description": "Local development (`make run`)"}]
        if FRONTEND_URL != "http://127.0.0.1:8000"
        else []
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI's assets are served from this app, not fetched from a CDN.
    "ENUM_NAME_OVERRIDES": {
        "EmploymentStatusEnum": "wallets.models.programmes.EmploymentStatus",
        "ProgrammeStatusEnum": "wallets.models.programmes.FundingProgramme.Status",
        "ApplicationStatusEnum": "wallets.models.programmes.ProgrammeApplication.Status",
        "CourseStatusEnum": "courses.models.Course.Status",
        "CertificateStatusEnum": "certificates.models.Certificate.Status",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Background jobs ------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Rows a bulk grant import posts per transaction (one ledger round trip each).
GRANT_IMPORT_BATCH_SIZE = env.int("GRANT_IMPORT_BATCH_SIZE", default=5000)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logging.RequestIdFilter"},
        "redact_secrets": {"()": "config.logging.SecretRedactingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="plain"),
            "filters": ["request_id", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # PDF rendering logs every step at INFO; its warnings and errors still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"

# Periodic jobs run by `celery -A config beat` (see docs/operations.md).
CELERY_BEAT_SCHEDULE = {
    # Repayments: assess last month's declarations (docs/repayments.md).
    "assess-repayments": {
        "task": "payments.assess_repayments",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
    "expire-wallet-pots": {"task": "wallets.expire_pots", "schedule": 60 * 60},
    # Card co-payments (docs/payments.md): unpaid ones lapse; stuck Stripe calls and
    # pending refunds are retried; failed webhook events are retried with backoff.
    "lapse-co-payments": {"task": "enrolments.lapse_co_payments", "schedule": 60},
    "repair-card-payments": {"task": "payments.repair_card_calls", "schedule": 5 * 60},
    "follow-the-calendar": {"task": "enrolments.follow_the_calendar", "schedule": 60 * 60 * 24},
    "deliver-outbox": {"task": "core.deliver_outbox", "schedule": 60},
    "expire-idempotency-records": {
        "task": "core.expire_idempotency_records",
        "schedule": 60 * 60,
    },
    # Funder audit (docs/audit-controls.md): anomaly rules and the ledger's verification.
    "recompute-anomaly-flags": {
        "task": "audit.recompute_flags",
        "schedule": crontab(minute=30, hour=2),
    },
    "verify-ledger": {"task": "wallets.verify_ledger", "schedule": crontab(minute=0, hour=3)},
    # The catalogue's start-date order: courses whose first start has passed move on.
    "refresh-course-next-start": {"task": "courses.refresh_next_start", "schedule": 60 * 60},
    "render-missing-certificate-pdfs": {
        "task": "certificates.render_missing_pdfs",
        "schedule": 10 * 60,
    },
    # Provider payouts and reconciliation with Stripe (docs/payouts.md).
    "pay-providers": {"task": "payments.pay_providers", "schedule": crontab(minute=0, hour=4)},
    "repair-payouts": {"task": "payments.repair_payouts", "schedule": 15 * 60},
    "reconcile-stripe": {
        "task": "payments.reconcile_stripe",
        "schedule": crontab(minute=30, hour=5),
    },
    "refresh-report-summaries": {"task": "audit.refresh_report_summaries", "schedule": 5 * 60},
}

# Days a learner has to answer an offer (never past the cohort's first session).
OFFER_ANSWER_DAYS = env.int("OFFER_ANSWER_DAYS", default=7)

# A held session with no attendance record counts as absent after this many days.
ATTENDANCE_GRACE_DAYS = env.int("ATTENDANCE_GRACE_DAYS", default=7)

# How long an `Idempotency-Key`'s stored answer is kept (core/idempotency.py).
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=24)

# --- Certificates (docs/certificates.md) ----------------------------------------------------
# The RSA private key (PEM; "\n" escapes allowed) that signs Open Badges credentials.
# Required in production; local development generates one in CERTIFICATE_DEV_KEY_FILE.
CERTIFICATE_SIGNING_KEY = env("CERTIFICATE_SIGNING_KEY", default="")
CERTIFICATE_DEV_KEY_FILE: Path | None = None
# Public keys (PEM, concatenated) of earlier signing keys, kept in the JWKS after a rotation.
CERTIFICATE_RETIRED_PUBLIC_KEYS = env("CERTIFICATE_RETIRED_PUBLIC_KEYS", default="")
CERTIFICATE_ISSUER_NAME = env("CERTIFICATE_ISSUER_NAME", default="Skills Wallet")
# Public verification (page, API, PDF check, credential status): requests per client IP.
CERTIFICATE_VERIFY_RATE = env("THROTTLE_CERTIFICATE_VERIFY", default="60/min")
# The largest PDF the "is this the genuine file?" check accepts (ours are far smaller).
# Security headers and cookies on every environment (production adds HTTPS-only ones).
# HTML pages may load our own static files only: no inline script, no remote origin, no frames.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Largest multipart request (file uploads) before any parser reads it; each endpoint has its
# own, smaller limit for its file (bulk-grant CSV 2 MB, evidence and certificate PDFs 5 MB).
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
CERTIFICATE_CHECK_MAX_BYTES = env.int("CERTIFICATE_CHECK_MAX_BYTES", default=5 * 1024 * 1024)

# --- Stripe Connect: provider payouts and reconciliation (docs/payouts.md) --------------------
# The SDK's secret key and API base are the card payments' settings below.
# The country of providers' Express accounts (ISO 3166-1 alpha-2).
STRIPE_CONNECT_COUNTRY = env("STRIPE_CONNECT_COUNTRY", default="GB")
# The daily payout pays a provider's payable balance only from this much (minor units).
PAYOUT_MINIMUM_MINOR = env.int("PAYOUT_MINIMUM_MINOR", default=1000)
# A payout still "calling" Stripe after this many minutes is repaired (asked about, retried).
PAYOUT_REPAIR_AFTER_MINUTES = env.int("PAYOUT_REPAIR_AFTER_MINUTES", default=10)
# The daily reconciliation compares this many days back.
STRIPE_RECONCILE_DAYS = env.int("STRIPE_RECONCILE_DAYS", default=7)
# Stripe (payments/gateway/): card co-payments, refunds and webhooks. Without a secret key,
# `make run` starts localstripe on 127.0.0.1 and points STRIPE_API_BASE and STRIPE_JS_URL at
# it (docs/operations.md). STRIPE_API_BASE empty means the SDK's default (api.stripe.com).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_JS_URL = env("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
# Seconds the SDK waits for Stripe before the gateway raises GatewayTimeout.
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=20)
# Minutes a learner has to pay a co-payment after accepting; then the seat and held funds return.
CO_PAYMENT_TIMEOUT_MINUTES = env.int("CO_PAYMENT_TIMEOUT_MINUTES", default=30)
# Days after acceptance (and before the start) in which a withdrawal refunds the co-payment.
CO_PAYMENT_COOLING_OFF_DAYS = env.int("CO_PAYMENT_COOLING_OFF_DAYS", default=14)
