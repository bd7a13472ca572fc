"""The OpenAPI document is complete: what a client needs to call every operation correctly."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.openapi import ACCESS_OPEN

METHODS = ("get", "post", "put", "patch", "delete")
# Free-form on purpose: the error body's details and the allauth-style field maps.
FREE_FORM = {"Error.extra"}


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_operation_has_a_summary_a_description_and_its_errors(
    schema: dict[str, Any],
) -> None:
    missing = [
        f"{method.upper()} {path}: {what}"
        for method, path, operation in _operations(schema)
        for what, ok in (
            ("summary", bool(operation.get("summary"))),
            ("description", bool(operation.get("description"))),
            ("4xx errors", any(code.startswith("4") for code in operation["responses"])),
        )
        if not ok
    ]
    assert missing == []
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "code", "extra"}


def test_operations_open_to_anyone_say_they_need_no_authentication(
    schema: dict[str, Any],
) -> None:
    for method, path, operation in _operations(schema):
        is_open = ACCESS_OPEN in operation["description"]
        assert (operation.get("security") == []) == is_open, f"{method} {path}"
    paths = schema["paths"]
    assert paths["/api/v1/courses"]["get"]["security"] == []
    assert paths["/api/v1/wallet"]["get"]["security"] != []


def test_paths_follow_one_style_and_the_servers_are_listed(schema: dict[str, Any]) -> None:
    assert [path for path in schema["paths"] if path.endswith("/")] == []
    assert schema["servers"][0]["url"] == "http://127.0.0.1:8000"


def test_request_bodies_are_typed(schema: dict[str, Any]) -> None:
    untyped: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "array" and not node.get("items"):
                untyped.append(where)
            if (
                node.get("type") == "object"
                and "properties" not in node
                and "$ref" not in node
                and not node.get("additionalProperties")
                and where not in FREE_FORM
            ):
                untyped.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}" if key not in ("properties",) else where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    for name, component in schema["components"]["schemas"].items():
        walk(component, name)
    assert untyped == []
    sessions = schema["components"]["schemas"]["AttendanceInputRequest"]["properties"]["sessions"]
    assert sessions["items"]["$ref"].endswith("/AttendanceSessionRequest")


def test_money_moving_operations_document_the_idempotency_key(schema: dict[str, Any]) -> None:
    operation = schema["paths"]["/api/v1/enrolments/{enrolment_id}/accept"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
    assert "Idempotency-Key" in operation["description"]
