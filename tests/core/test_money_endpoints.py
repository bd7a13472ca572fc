"""Every money-moving endpoint honours `Idempotency-Key` and has the money throttle.

The list of money-moving operations lives here, in one place. The test walks every URL
pattern's view: each listed operation must be wrapped by `@idempotent`, throttled with the
`money` scope and document the header, and no unlisted write calls a service that moves
money. (Other writes may be `@idempotent` too, for safe retries: issuing a certificate is.)
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from core.throttling import MoneyThrottle
from tests.enrolments.helpers import make_world
from tests.helpers import client_for

# (URL name, method) of every operation that moves money or records a paid milestone.
MONEY_MOVING = {
    ("funder-programme-fund", "post"),
    ("funder-programme-grants", "post"),
    ("funder-programme-grants-bulk", "post"),
    ("funder-programme-grant-imports", "post"),
    ("funder-grant-import-cancel", "post"),
    ("funder-grant-import-resume", "post"),
    ("funder-application-approve", "post"),
    ("enrolment-accept", "post"),
    ("enrolment-withdraw", "post"),
    ("enrolment-confirm-start", "post"),
    ("provider-enrolment-start", "post"),
    ("provider-enrolment-attendance", "post"),
    ("provider-enrolment-complete", "post"),
    ("provider-enrolment-outcome", "post"),
    ("provider-cohort-cancel", "post"),
    ("funder-enrolment-verify", "post"),
    ("funder-enrolment-cancel", "post"),
    ("funder-enrolment-confirm-start", "post"),
    ("funder-enrolment-decide-start-dispute", "post"),
    ("funder-programme-deferral-fund", "post"),
}
# The services through which money moves: a view calling one must be listed above.
MONEY_SERVICES = {
    "programme_fund",
    "grant_create",
    "grants_bulk_create",
    "grant_import_create",
    "grant_import_from_rule",
    "grant_import_cancel",
    "grant_import_resume",
    "ledger_post_batch",
    "application_approve",
    "enrolment_accept",
    "enrolment_withdraw",
    "enrolment_confirm_start",
    "enrolment_record_start",
    "attendance_record",
    "enrolment_complete",
    "enrolment_record_outcome",
    "outcome_verify",
    "cohort_cancel",
    "enrolment_cancel_by_funder",
    "enrolment_confirm_start_on_evidence",
    "start_dispute_decide",
    "deferral_fund",
    "agreement_activate",
    "wallet_spend",
    "ledger_post",
    "transaction_reverse",
}
WRITES = ("post", "put", "patch", "delete")


def api_views() -> dict[tuple[str, str], tuple[str, Any]]:
    """(URL name, method) → (route, view class) for every write of every API view."""
    found: dict[tuple[str, str], tuple[str, Any]] = {}

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            view = getattr(pattern.callback, "view_class", None)
            if view is None or not pattern.name:
                continue
            for method in WRITES:
                if hasattr(view, method):
                    found[(pattern.name, method)] = (prefix + str(pattern.pattern), view)

    walk(get_resolver().url_patterns, "/")
    return found


def test_every_money_moving_operation_is_idempotent_and_money_throttled() -> None:
    views = api_views()
    missing = MONEY_MOVING - set(views)
    assert missing == set(), "listed operations without a URL"
    for name, method in sorted(MONEY_MOVING):
        _, view = views[(name, method)]
        handler = getattr(view, method)
        assert getattr(handler, "idempotent", False), f"{name} {method}: not @idempotent"
        assert MoneyThrottle in view.throttle_classes, f"{name}: no MoneyThrottle"
        assert view.throttle_scope == "money", f"{name}: throttle scope {view.throttle_scope}"


def test_no_unlisted_write_calls_a_service_that_moves_money() -> None:
    for (name, method), (_, view) in sorted(api_views().items()):
        if (name, method) in MONEY_MOVING:
            continue
        handler = getattr(view, method)
        source = inspect.getsource(inspect.unwrap(handler))
        called = {service for service in MONEY_SERVICES if f"{service}(" in source}
        assert called == set(), f"{name} {method} moves money through {called}: list it"


@pytest.mark.django_db
def test_every_money_moving_operation_documents_the_header() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    views = api_views()
    for name, method in sorted(MONEY_MOVING):
        route, _ = views[(name, method)]
        path = route.replace("<int:", "{").replace(">", "}")
        operation = schema["paths"][path][method]
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers, (name, method)


@pytest.mark.django_db
def test_the_money_throttle_limits_milestone_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"money": "2/min"})
    world = make_world()
    enrolment = world.offered()
    provider: APIClient = client_for(world.provider_staff.user, mfa=True)
    url = f"/api/v1/provider/enrolments/{enrolment.pk}/start"
    statuses = [provider.post(url).status_code for _ in range(3)]
    assert statuses[2] == 429
    assert provider.post(url).json()["code"] == "throttled"


@pytest.mark.django_db
def test_reading_is_never_throttled_as_money(monkeypatch: pytest.MonkeyPatch) -> None:
    """A funder paging through grants is not refused because granting shares the view."""
    from tests.factories import make_programme

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"money": "2/min"})
    programme = make_programme()
    officer = client_for(programme.funder.memberships.get().user, mfa=True)
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"
    statuses = {officer.get(url).status_code for _ in range(5)}
    assert statuses == {200}
    writes = [
        officer.post(url, {"learner_email": f"nobody{n}@example.org"}, format="json").status_code
        for n in range(3)
    ]
    assert writes[-1] == 429  # the third write in a minute is over the money rate
