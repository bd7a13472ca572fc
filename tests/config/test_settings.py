"""Production settings: refuse to start without secrets, and `check --deploy` is clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from certificates.openbadges import new_private_key_pem

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-9f8e7d6c5b4a3",
    "ALLOWED_HOSTS": "skills-wallet.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/skills_wallet",
    "CERTIFICATE_SIGNING_KEY": new_private_key_pem(),
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "CERTIFICATE_SIGNING_KEY"],
)
def test_production_refuses_to_start_without(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_tests_run_with_the_test_settings() -> None:
    # A DJANGO_SETTINGS_MODULE leaking in from the environment once ran the suite with local
    # settings (real Celery broker, slow password hashing); pytest's --ds pins it.
    from django.conf import settings

    assert settings.SETTINGS_MODULE == "config.settings.test"
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_the_demo_is_not_installed_in_production() -> None:
    result = _manage("demo_load", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "Unknown command: 'demo_load'" in result.stderr
