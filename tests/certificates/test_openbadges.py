"""Open Badges 3.0: the learner's credential is a VC-JWT that verifies with the published
JWKS alone (PyJWT, no code of ours), fails when tampered with, and its status endpoint
shows revocation."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from certificates.models import Certificate
from certificates.openbadges import new_private_key_pem, public_jwks, thumbprint
from certificates.services import certificate_issue, certificate_revoke
from tests.certificates.helpers import completed
from tests.enrolments.helpers import World, make_world
from tests.factories import UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def certificate(world: World) -> Certificate:
    return certificate_issue(
        actor=world.provider_staff.user, enrolment=completed(world), grade="Merit"
    )


def download(certificate: Certificate) -> str:
    response = client_for(certificate.enrolment.learner).get(
        f"/api/v1/certificates/mine/{certificate.verification_id}/credential"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwt"
    assert "attachment" in response["Content-Disposition"]
    return response.content.decode()


def verify_with_published_keys(token: str) -> dict[str, Any]:
    """What any verifier does: fetch the JWKS, pick the key named in the header, check."""
    keys = jwt.PyJWKSet.from_dict(Client().get("/.well-known/jwks.json").json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(token, key=key.key, algorithms=["RS256"], issuer="http://127.0.0.1:8000/")


def jwk_public_key(jwk: dict[str, str]) -> rsa.RSAPublicKey:
    def number(value: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")

    return rsa.RSAPublicNumbers(number(jwk["e"]), number(jwk["n"])).public_key()


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_the_credential_verifies_with_the_published_key_alone(certificate: Certificate) -> None:
    token = download(certificate)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["typ"] == "JWT"
    assert header["kid"].startswith("http://127.0.0.1:8000/.well-known/jwks.json#")
    claims = verify_with_published_keys(token)

    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert claims["id"] == claims["jti"] == f"urn:uuid:{certificate.verification_id}"
    assert claims["issuer"]["id"] == claims["iss"] == "http://127.0.0.1:8000/"
    assert claims["credentialSubject"]["id"] == claims["sub"]
    assert claims["nbf"] == int(certificate.issued_at.timestamp())
    assert claims["validFrom"] == certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": certificate.learner_name,
    } in subject["identifier"]
    achievement = subject["achievement"]
    assert achievement["name"] == "Data Analyst Bootcamp"
    assert achievement["achievementType"] == "Certificate"
    assert achievement["creator"]["name"] == certificate.provider_name
    assert achievement["creator"]["otherIdentifier"][0]["identifier"] == certificate.provider_ukprn
    assert achievement["tag"] == ["Software development"]
    assert subject["result"] == [{"type": ["Result"], "value": "Merit"}]
    assert claims["credentialStatus"] == {
        "id": f"http://127.0.0.1:8000/api/v1/certificates/{certificate.verification_id}/status",
        "type": "1EdTechRevocationList",
    }
    # The learner's email is only ever there hashed (with a salt).
    assert certificate.enrolment.learner.email not in json.dumps(claims)


def test_a_tampered_credential_fails_verification(certificate: Certificate) -> None:
    token = download(certificate)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    forged = f"{header}.{b64(claims)}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        verify_with_published_keys(forged)
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    with pytest.raises(jwt.InvalidSignatureError):
        verify_with_published_keys(f"{header}.{payload}.{flipped}")


def test_a_credential_signed_with_another_key_fails(certificate: Certificate) -> None:
    token = download(certificate)
    claims = jwt.decode(token, options={"verify_signature": False})
    impostor = jwt.encode(
        claims,
        new_private_key_pem(),
        algorithm="RS256",
        headers={"kid": jwt.get_unverified_header(token)["kid"]},
    )
    with pytest.raises(jwt.InvalidSignatureError):
        verify_with_published_keys(impostor)
    unsigned = f"{b64({'alg': 'none', 'kid': jwt.get_unverified_header(token)['kid']})}."
    unsigned += f"{token.split('.')[1]}."
    with pytest.raises(jwt.InvalidAlgorithmError):
        verify_with_published_keys(unsigned)


def test_the_jwks_publishes_public_keys_only_and_keeps_retired_ones(
    certificate: Certificate, settings: Any
) -> None:
    token = download(certificate)
    published = Client().get("/.well-known/jwks.json").json()["keys"]
    old_public_pem = (
        jwk_public_key(published[0])
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    # Rotate: a new signing key, the old public key kept as retired.
    settings.CERTIFICATE_SIGNING_KEY = new_private_key_pem()
    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = old_public_pem
    response = Client().get("/.well-known/jwks.json")
    assert response["Cache-Control"] == "public, max-age=3600"
    keys = response.json()["keys"]
    assert len(keys) == 2
    for key in keys:
        assert set(key) == {"kty", "use", "alg", "kid", "n", "e"}  # never "d" or primes
        assert key["kid"].endswith("#" + thumbprint(jwk_public_key(key)))
    # A credential signed before the rotation still verifies...
    assert verify_with_published_keys(token)["jti"] == f"urn:uuid:{certificate.verification_id}"
    # ...and new ones are signed with the new key, listed first.
    world = make_world()
    fresh = certificate_issue(actor=world.provider_staff.user, enrolment=completed(world))
    assert jwt.get_unverified_header(fresh.credential_jwt)["kid"] == keys[0]["kid"]
    verify_with_published_keys(fresh.credential_jwt)
    assert public_jwks()["keys"][1]["kid"] == jwt.get_unverified_header(token)["kid"]


def test_the_status_endpoint_shows_revocation(world: World, certificate: Certificate) -> None:
    url = f"/api/v1/certificates/{certificate.verification_id}/status"
    before = Client().get(url)
    assert before.status_code == 200
    assert before.json() == {
        "id": f"http://testserver{url}".replace("testserver", "127.0.0.1:8000"),
        "issuer": "http://127.0.0.1:8000/",
        "revokedCredentials": [],
    }
    certificate_revoke(
        actor=world.provider_staff.user, certificate=certificate, reason="Issued in error."
    )
    after = Client().get(url).json()
    assert after["revokedCredentials"] == [
        {
            "id": f"urn:uuid:{certificate.verification_id}",
            "revoked": True,
            "revocationReason": "Issued in error.",
        }
    ]
    # The credential itself is unchanged (still a valid signature): its status says revoked.
    verify_with_published_keys(download(certificate))


def test_only_the_learner_downloads_their_credential(certificate: Certificate) -> None:
    url = f"/api/v1/certificates/mine/{certificate.verification_id}/credential"
    assert client_for(UserFactory.create()).get(url).status_code == 404
    assert Client().get(url).status_code == 401
