"""Fuzzing with schemathesis, signed in as each kind of caller: no answer is a 5xx, and every
answer matches the OpenAPI document (status code, content type, body).

`make test` runs a few examples per operation (`FUZZ_EXAMPLES`, 2 by default); `make fuzz`
runs many more. Each example runs in a savepoint that is rolled back, in the world of
tests/security/world.py; half of the examples use the world's objects in the path (so the
fuzzing reaches past the 404 of an unknown id), the other half the generated ids.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import sign_in_with_totp
from tests.security.world import SecurityWorld, build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
# `make test` sends the same examples every run (a failure in CI is one to reproduce); a longer
# run (`make fuzz`, which sets FUZZ_EXAMPLES) explores new ones each time.
DERANDOMIZE = "FUZZ_EXAMPLES" not in os.environ
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_ROLES = ("anonymous", "learner", "provider_admin", "funder_officer")


def _in_the_test_transaction(application: Any) -> Any:
    """The WSGI application, minus its closing of "old" database connections around each
    request: inside the test's transaction that would close the test's own connection.
    Django's test client does the same for its requests (and turns it back on after them,
    so it is turned off here for each call, not once)."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = application(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


def _schema() -> Any:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    loaded = schemathesis.openapi.from_dict(response.json())
    loaded.app = _in_the_test_transaction(get_wsgi_application())
    return loaded


def _fuzz_operation(operation: Any, world: SecurityWorld, headers: dict[str, str]) -> None:
    template = operation.path
    owned_values = world.values_for(template)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ),
        owned=st.booleans(),
    )
    def run(case: Any, owned: bool) -> None:
        if owned and case.path_parameters:
            case.path_parameters = {
                name: owned_values.get(name, value) for name, value in case.path_parameters.items()
            }
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        if response.headers.get("content-type", [""])[0].startswith("application/jwt"):
            # A credential (VC-JWT), documented as a string: schemathesis would read it as
            # JSON, so its form is checked here: three base64url parts.
            assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", response.text), response.text[:80]
            case.validate_response(response, checks=CHECKS[:-1])
        else:
            case.validate_response(response, checks=CHECKS)

    run()


@pytest.mark.django_db
@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_fuzzing_finds_no_server_error_and_no_answer_outside_the_schema(
    role: str, django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]]
) -> None:
    schema = _schema()
    with django_capture_on_commit_callbacks(execute=True):  # the certificate's PDF, rendered
        world = build_world()
    person = world.people[role]
    headers = {} if person is None else {"X-Session-Token": sign_in_with_totp(person)}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz_operation(operation, world, headers)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 (every operation reported)
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == [], "\n\n".join(failures)
