"""Open Badges 3.0: each certificate as an `OpenBadgeCredential` (a W3C Verifiable
Credential) signed as a VC-JWT with the platform's key, and the JWKS that publishes the
public keys (docs/certificates.md, ADR 0005).

RS256 is the one algorithm every Open Badges 3.0 verifier must support. The signing key
is an RSA private key in PEM (`CERTIFICATE_SIGNING_KEY`); local development generates one
under `.data/` (`CERTIFICATE_DEV_KEY_FILE`); production refuses to start without it.
Public keys of retired signing keys (`CERTIFICATE_RETIRED_PUBLIC_KEYS`) stay in the JWKS
so that credentials signed before a rotation still verify.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import secrets
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

if TYPE_CHECKING:
    from certificates.models import Certificate

ALGORITHM = "RS256"
MIN_KEY_BITS = 2048
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
_PUBLIC_PEM = re.compile(
    r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL | re.ASCII
)


# --- Keys -------------------------------------------------------------------------------------


def _pem_text(value: str) -> bytes:
    # Environment variables often carry a PEM on one line with literal "\n".
    return value.replace("\\n", "\n").strip().encode()


@functools.lru_cache(maxsize=4)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """An RSA private key of at least 2048 bits from PEM text, or ImproperlyConfigured."""
    try:
        key = serialization.load_pem_private_key(_pem_text(pem), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "CERTIFICATE_SIGNING_KEY is not a PEM private key without a passphrase."
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_KEY_BITS:
        raise ImproperlyConfigured(
            f"CERTIFICATE_SIGNING_KEY must be an RSA key of at least {MIN_KEY_BITS} bits (RS256)."
        )
    return key


def new_private_key_pem() -> str:
    """A fresh RSA key in PEM, for development, tests and `docs/certificates.md`'s rotation."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _dev_key_pem(path: Path) -> str:
    """The development key in `path`, created (readable by its owner only) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = new_private_key_pem()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process wrote it first: use theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(pem)
    return path.read_text()


def signing_key() -> rsa.RSAPrivateKey:
    pem = settings.CERTIFICATE_SIGNING_KEY
    if not pem and settings.CERTIFICATE_DEV_KEY_FILE:
        pem = _dev_key_pem(Path(settings.CERTIFICATE_DEV_KEY_FILE))
    if not pem:
        raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be set to sign certificates.")
    return load_private_key(pem)


def _retired_public_keys() -> list[rsa.RSAPublicKey]:
    keys = []
    for block in _PUBLIC_PEM.findall(_pem_text(settings.CERTIFICATE_RETIRED_PUBLIC_KEYS).decode()):
        key = serialization.load_pem_public_key(block.encode())
        if not isinstance(key, rsa.RSAPublicKey):
            raise ImproperlyConfigured("CERTIFICATE_RETIRED_PUBLIC_KEYS holds only RSA keys.")
        keys.append(key)
    return keys


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """The key's RFC 7638 JWK thumbprint (SHA-256): stable for as long as the key is."""
    numbers = public_key.public_numbers()
    canonical = json.dumps(
        {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def jwks_url() -> str:
    return _absolute(reverse("jwks"))


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """A URI that dereferences to the key, as Open Badges 3.0 asks: the JWKS URL + thumbprint."""
    return f"{jwks_url()}#{thumbprint(public_key)}"


def public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": ALGORITHM,
        "kid": key_id(public_key),
        "n": _b64url_uint(numbers.n),
        "e": _b64url_uint(numbers.e),
    }


def public_jwks() -> dict[str, list[dict[str, str]]]:
    """The current signing key's public half first, then retired ones. Never a private part."""
    current = signing_key().public_key()
    keys = [current, *(k for k in _retired_public_keys() if thumbprint(k) != thumbprint(current))]
    return {"keys": [public_jwk(key) for key in keys]}


# --- Credentials ------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.FRONTEND_URL.rstrip("/") + path


def issuer_id() -> str:
    return settings.FRONTEND_URL.rstrip("/") + "/"


def verification_url(certificate: Certificate) -> str:
    return _absolute(reverse("certificate-verify-page", args=[str(certificate.verification_id)]))


def status_url(certificate: Certificate) -> str:
    return _absolute(reverse("certificate-status", args=[certificate.verification_id]))


def _subject_id(certificate: Certificate) -> str:
    # The same learner is the same subject in every credential this platform issues.
    name = f"{issuer_id()}learners/{certificate.enrolment.learner_id}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _email_identity(email: str) -> dict[str, Any]:
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def credential_for(certificate: Certificate) -> dict[str, Any]:
    """The OpenBadgeCredential (VC Data Model 2.0) that says what the certificate says."""
    course_id = certificate.enrolment.cohort.course_id
    provider = {
        "id": f"urn:ukprn:{certificate.provider_ukprn}",
        "type": ["Profile"],
        "name": certificate.provider_name,
        "otherIdentifier": [
            {
                "type": "IdentifierEntry",
                "identifier": certificate.provider_ukprn,
                "identifierType": "identifier",
            }
        ],
    }
    achievement: dict[str, Any] = {
        "id": _absolute(reverse("catalogue-course", args=[course_id])),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": certificate.course_title,
        "description": (
            f"Level {certificate.course_level} course of {certificate.guided_learning_hours} "
            f"guided learning hours run by {certificate.provider_name} "
            f"(UKPRN {certificate.provider_ukprn}) from {certificate.cohort_start_date:%-d %B %Y} "
            f"to {certificate.cohort_end_date:%-d %B %Y}."
        ),
        "criteria": {
            "narrative": (
                "Completion of the course, recorded by the provider on "
                f"{certificate.completed_on:%-d %B %Y}."
            )
        },
        "creator": provider,
        "tag": list(certificate.skills),
    }
    subject: dict[str, Any] = {
        "id": _subject_id(certificate),
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": certificate.learner_name,
            },
            _email_identity(certificate.enrolment.learner.email),
        ],
        "achievement": achievement,
    }
    if certificate.grade:
        subject["result"] = [{"type": ["Result"], "value": certificate.grade}]
    return {
        "@context": CONTEXTS,
        "id": certificate.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_id(),
            "type": ["Profile"],
            "name": settings.CERTIFICATE_ISSUER_NAME,
            "url": issuer_id(),
        },
        "validFrom": certificate.issued_at.replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "name": certificate.course_title,
        "credentialSubject": subject,
        "credentialStatus": {"id": status_url(certificate), "type": "1EdTechRevocationList"},
        "credentialSchema": [SCHEMA],
    }


def credential_sign(certificate: Certificate) -> str:
    """The credential as a compact JWS: the credential's members plus `iss`, `jti`, `sub`,
    `nbf` (Open Badges 3.0, section 8.2), signed with RS256 under the current key."""
    credential = credential_for(certificate)
    key = signing_key()
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(certificate.issued_at.timestamp()),
    }
    return jwt.encode(
        claims, key, algorithm=ALGORITHM, headers={"kid": key_id(key.public_key()), "typ": "JWT"}
    )


def revocation_list(certificate: Certificate) -> dict[str, Any]:
    """The credential's status as a 1EdTech Revocation List (the `credentialStatus` URL)."""
    revoked = []
    if certificate.status == certificate.Status.REVOKED:
        revoked.append(
            {
                "id": certificate.credential_id,
                "revoked": True,
                "revocationReason": certificate.revocation_reason,
            }
        )
    return {"id": status_url(certificate), "issuer": issuer_id(), "revokedCredentials": revoked}
