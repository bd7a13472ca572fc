"""Every operation in the OpenAPI schema, called as every role, answers as the matrix says.

The matrix (tests/security/permission_matrix.py) is data; this module checks it covers the
schema exactly, builds one world (tests/security/world.py), signs each role in as people do
(password and TOTP, so role endpoints see a session that passed MFA) and calls every
operation with the owner's objects in the path. Each call runs in a savepoint that is rolled
back, so no call changes what the next one sees.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.test import APIClient

from tests.helpers import client_for
from tests.payments.payouts_helpers import connect  # noqa: F401 (fixture: a fake Stripe Connect)
from tests.security.permission_matrix import BODIES, MATRIX, SEEN_IN_LISTS, Operation
from tests.security.world import ROLES, SecurityWorld, build_world

METHODS = ("get", "post", "put", "patch", "delete")
CLASSES = {"ok", "401", "403", "404"}


def schema_operations() -> dict[Operation, dict[str, Any]]:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return {
        (method.upper(), path): operation
        for path, item in response.json()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def status_class(status: int) -> str:
    return str(status) if status in (401, 403, 404) else "ok"


def expected_row(operation: Operation) -> dict[str, str]:
    cells = MATRIX[operation].split()
    assert len(cells) == len(ROLES), f"{operation}: {len(cells)} cells for {len(ROLES)} roles"
    assert set(cells) <= CLASSES, f"{operation}: {set(cells) - CLASSES}"
    return dict(zip(ROLES, cells, strict=True))


def row_line(operation: Operation, cells: dict[str, str]) -> str:
    """The matrix line for what was observed, for a reviewer to check and paste."""
    method, path = operation
    return (
        f'    ("{method}", "{path}"): "' + " ".join(f"{cells[r]:<4}" for r in ROLES).rstrip() + '",'
    )


def body_for(world: SecurityWorld, operation: Operation) -> dict[str, Any]:
    """The operation's body from `BODIES`, a "{name}" value being the owner's object's id."""
    values = world.values_for(operation[1])

    def fill(value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
            return int(values[value[1:-1]])
        return value

    return {key: fill(value) for key, value in BODIES.get(operation, {}).items()}


def _is_multipart(spec: dict[str, Any]) -> bool:
    content = spec.get("requestBody", {}).get("content", {})
    return bool(content) and "application/json" not in content


def call(
    client: APIClient,
    world: SecurityWorld,
    operation: Operation,
    spec: dict[str, Any],
) -> Any:
    method, template = operation
    path = world.fill(template)
    body = body_for(world, operation)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if method == "GET":
        return client.get(path, headers=headers)
    if _is_multipart(spec):
        upload = SimpleUploadedFile("file.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        return client.generic(method, path, **_multipart({"file": upload, **body}), headers=headers)
    return client.generic(
        method, path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def _multipart(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": encode_multipart(BOUNDARY, data), "content_type": MULTIPART_CONTENT}


def test_every_operation_has_a_row_and_every_row_an_operation(db: None) -> None:
    operations = set(schema_operations())
    assert sorted(operations - set(MATRIX)) == [], "operations without a row in the matrix"
    assert sorted(set(MATRIX) - operations) == [], "rows for operations the schema lacks"
    assert set(BODIES) <= set(MATRIX)
    for operation in MATRIX:
        expected_row(operation)


def test_the_lists_checked_for_leaks_exist_and_name_real_roles() -> None:
    for operation, (_marker, roles) in SEEN_IN_LISTS.items():
        assert operation in MATRIX, operation
        assert set(roles.split()) <= set(ROLES), operation


def test_another_tenants_objects_are_never_a_403() -> None:
    # Where a learner, a provider or a funder may act on its own object, another one of the
    # same kind never learns that the object exists: 404, never "you may not". (People with
    # no role of that kind may get a 403 that does not depend on the id, e.g. the reports.)
    tenants = {
        "other_learner": "learner",
        "other_provider_admin": "provider_admin",
        "other_funder_officer": "funder_officer",
    }
    wrong = [
        (operation, other)
        for operation in MATRIX
        for other, owner in tenants.items()
        if expected_row(operation)[owner] == "ok" and expected_row(operation)[other] == "403"
    ]
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.usefixtures("connect")
def test_every_role_gets_what_the_matrix_says_on_every_operation(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> None:
    operations = schema_operations()
    with django_capture_on_commit_callbacks(execute=True):
        world = build_world()
    clients = {
        role: APIClient() if person is None else client_for(person, mfa=True)
        for role, person in world.people.items()
    }
    wrong: list[str] = []
    fixes: list[str] = []
    for operation in sorted(MATRIX):
        expected = expected_row(operation)
        observed: dict[str, str] = {}
        for role in ROLES:
            with transaction.atomic():
                response = call(clients[role], world, operation, operations[operation])
                transaction.set_rollback(True)
            assert response.status_code < 500, (operation, role, response.content[:500])
            observed[role] = status_class(response.status_code)
            leak = _list_mismatch(world, operation, role, response)
            if leak:
                wrong.append(f"{operation[0]} {operation[1]} as {role}: {leak}")
            if observed[role] != expected[role]:
                code = _code_of(response)
                wrong.append(
                    f"{operation[0]} {operation[1]} as {role}: expected {expected[role]}, "
                    f"got {response.status_code} {code}"
                )
        if observed != expected:
            fixes.append(row_line(operation, observed))
    assert wrong == [], "\n".join(["", *wrong, "", "observed rows:", *fixes])


def _list_mismatch(world: SecurityWorld, operation: Operation, role: str, response: Any) -> str:
    """For a list in `SEEN_IN_LISTS`: whether this role sees the owner's object as it should."""
    if operation not in SEEN_IN_LISTS or response.status_code != 200:
        return ""
    marker, roles = SEEN_IN_LISTS[operation]
    seen = world.markers[marker] in response.content.decode()
    should = role in roles.split()
    if seen == should:
        return ""
    return f"the owner's {marker} is {'shown' if seen else 'missing'} in the list"


def _code_of(response: Any) -> str:
    try:
        return str(response.json().get("code", ""))
    except (ValueError, AttributeError):
        return ""
