"""The apps form one chain, and imports point only to the left:

core ← users ← providers ← wallets ← courses ← enrolments ← certificates ← payments ← audit

`config` (settings, URLs) composes them and `demo` loads data into all of them; no app
imports either. A test fails the moment an app imports one to its right.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = [
    "core",
    "users",
    "providers",
    "wallets",
    "courses",
    "enrolments",
    "certificates",
    "payments",
    "audit",
]
NOT_FOR_APPS = {"config", "demo", "tests", "scripts"}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def violations(app: str) -> list[str]:
    allowed = set(ORDER[: ORDER.index(app) + 1])
    forbidden = (set(ORDER) - allowed) | NOT_FOR_APPS
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        for name in sorted(imported_top_levels(path) & forbidden):
            found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("app", [app for app in ORDER if (ROOT / app).is_dir()])
def test_app_imports_only_apps_to_its_left(app: str) -> None:
    assert violations(app) == []


def test_the_check_catches_an_import_to_the_right(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text("from enrolments.models import Enrolment\nimport audit.reports\n")
    assert imported_top_levels(module) == {"enrolments", "audit"}


def test_every_project_app_is_in_the_chain() -> None:
    from django.conf import settings

    ours = {name for name in settings.INSTALLED_APPS if (ROOT / name).is_dir() and name != "demo"}
    assert ours <= set(ORDER)


def test_make_test_runs_the_guards() -> None:
    """`make test` checks migrations, the OpenAPI document and the coverage floor, and lints
    with the unused-argument and security rules (services must use their actor)."""
    makefile = (ROOT / "Makefile").read_text()
    assert "test: install lint typecheck checks pytest" in makefile
    assert "makemigrations --check" in makefile
    assert "spectacular --validate --fail-on-warn" in makefile
    assert "pytest --cov" in makefile
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"ARG", "S"' in pyproject
    assert "fail_under = 90" in pyproject
    assert "disallow_untyped_defs = true" in pyproject
    assert (ROOT / ".pre-commit-config.yaml").exists()
