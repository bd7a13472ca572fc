"""The signing key: production refuses to start without a usable one; local development
makes one on first use and keeps it. The API schema documents the certificate endpoints
without a warning about them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from certificates.openbadges import load_private_key, new_private_key_pem, signing_key, thumbprint
from tests.config.test_settings import PRODUCTION_ENV, _manage


def ec_key_pem() -> str:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not a key", "CERTIFICATE_SIGNING_KEY is not a PEM private key"),
        (ec_key_pem(), "CERTIFICATE_SIGNING_KEY must be an RSA key of 2048 bits or more"),
    ],
)
def test_production_refuses_a_signing_key_it_cannot_use(value: str, message: str) -> None:
    result = _manage("check", env={**PRODUCTION_ENV, "CERTIFICATE_SIGNING_KEY": value})
    assert result.returncode != 0
    assert message in result.stderr


def test_a_key_given_on_one_line_with_escaped_newlines_works() -> None:
    pem = new_private_key_pem()
    one_line = pem.replace("\n", "\\n")
    assert thumbprint(load_private_key(one_line).public_key()) == thumbprint(
        load_private_key(pem).public_key()
    )
    result = _manage("check", env={**PRODUCTION_ENV, "CERTIFICATE_SIGNING_KEY": one_line})
    assert result.returncode == 0, result.stderr


def test_keys_other_than_rsa_2048_are_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="RSA key of at least 2048 bits"):
        load_private_key(ec_key_pem())
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ImproperlyConfigured, match="RSA key of at least 2048 bits"):
        load_private_key(small.decode())


def test_local_development_makes_a_key_once_and_keeps_it(settings: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "certificate-signing-key.pem"
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.CERTIFICATE_DEV_KEY_FILE = key_file
    first = thumbprint(signing_key().public_key())
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert thumbprint(signing_key().public_key()) == first
    settings.CERTIFICATE_DEV_KEY_FILE = None
    with pytest.raises(ImproperlyConfigured, match="CERTIFICATE_SIGNING_KEY must be set"):
        signing_key()


@pytest.mark.django_db
def test_the_api_schema_documents_the_certificate_endpoints_cleanly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    GENERATOR_STATS.reset()  # warnings already emitted in this process are not repeated
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    ours = [line for line in capsys.readouterr().err.splitlines() if "certificates" in line]
    assert ours == []
    paths = schema["paths"]
    for path in (
        "/api/v1/provider/enrolments/{enrolment_id}/certificate",
        "/api/v1/provider/cohorts/{cohort_id}/certificates",
        "/api/v1/provider/certificates/{verification_id}/revoke",
        "/api/v1/certificates/verify/{verification_id}",
        "/api/v1/certificates/{verification_id}/status",
        "/api/v1/certificates/mine/{verification_id}/credential",
    ):
        assert path in paths
    assert "404" in paths["/api/v1/certificates/verify/{verification_id}"]["get"]["responses"]
