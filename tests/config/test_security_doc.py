"""docs/security.md names, for each threat, the test that proves its control: every test it
names must exist (a renamed or deleted test must take its row with it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def named_tests() -> list[tuple[str, str]]:
    found = []
    for line in (ROOT / "docs" / "security.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| threat") or line.startswith("|---"):
            continue
        test_cell = line.rstrip(" |").rsplit(" | ", 1)[-1]
        path = ""
        for token in re.findall(r"`([^`]+)`", test_cell):
            file_part, _, name = token.partition("::")
            path = file_part or path
            found.append((path, re.sub(r"\[.*\]$", "", name)))
    return found


def test_every_test_named_in_the_security_doc_exists() -> None:
    tests = named_tests()
    assert len(tests) > 40
    missing = [
        f"{path}::{name}"
        for path, name in tests
        if not (ROOT / path).is_file()
        or f"def {name}(" not in (ROOT / path).read_text(encoding="utf-8")
    ]
    assert missing == []
