"""Every CSV the application produces goes through `core.csv_safe`, which escapes cells that
a spreadsheet would run as a formula (`=`, `+`, `-`, `@`): no other module writes CSV."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "users", "providers", "wallets", "courses", "enrolments", "certificates"]
APPS += ["payments", "audit", "config", "demo"]
CSV_WRITER = re.compile(r"\bcsv\.(writer|DictWriter)\(|text/csv")


def test_only_core_csv_safe_writes_csv() -> None:
    writers = sorted(
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if CSV_WRITER.search(path.read_text(encoding="utf-8"))
    )
    assert writers == ["core/csv_safe.py"]
