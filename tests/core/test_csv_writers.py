"""Every CSV the application produces goes through `core.csv_safe`, which escapes cells that
a spreadsheet would run as a formula (`=`, `+`, `-`, `@`): no other module writes CSV."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "users", "providers", "wallets", "courses", "enrolments", "certificates"]
APPS += ["payments", "audit", "config", "demo"]
CSV_WRITER = re.compile(r"\bcsv\.(writer|DictWriter)\(")
# Answering `text/csv` is writing CSV too, unless the body comes from core.csv_safe.
CSV_ANSWER = re.compile(r"text/csv")
USES_CSV_SAFE = re.compile(r"from core\.csv_safe import")


def test_only_core_csv_safe_writes_csv() -> None:
    writers = sorted(
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if _writes_csv(path.read_text(encoding="utf-8"))
    )
    assert writers == ["core/csv_safe.py"]


def _writes_csv(source: str) -> bool:
    if CSV_WRITER.search(source):
        return True
    return bool(CSV_ANSWER.search(source)) and not USES_CSV_SAFE.search(source)
