"""The README is the truth: every setting the code reads is in its configuration table, and
it links to nothing outside the repository."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_CALLS = {"env", "int", "bool", "list", "path", "str", "float"}


def settings_read() -> set[str]:
    """Names read from the environment by the settings and the run scripts."""
    names: set[str] = set()
    files = [*(ROOT / "config" / "settings").glob("*.py"), *(ROOT / "scripts").glob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            is_environ_get = (
                isinstance(func, ast.Attribute)
                and func.attr == "get"
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "environ"
            )
            if (called in ENV_CALLS or called == "_required" or is_environ_get) and re.fullmatch(
                r"[A-Z][A-Z0-9_]+", first.value
            ):
                names.add(first.value)
    return names


def test_every_setting_the_code_reads_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert sorted(settings_read() - documented) == []


def test_the_readme_and_docs_link_to_nothing_outside_the_repository() -> None:
    texts = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").rglob("*.md")]
    outside = [
        f"{path.relative_to(ROOT)}: {match}"
        for path in texts
        for match in re.findall(r"\]\((\.\./[^)]*)\)|(\.\./shared[^\s)`]*)", path.read_text())
    ]
    assert outside == []


def test_links_between_the_repository_s_documents_resolve() -> None:
    texts = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").rglob("*.md")]
    broken = [
        f"{path.relative_to(ROOT)}: {target}"
        for path in texts
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text())
        if "://" not in target and not (path.parent / target).exists()
    ]
    assert broken == []


def test_gitignore_lists_no_tracked_file() -> None:
    tracked_but_ignored = subprocess.run(
        ["git", "ls-files", "--cached", "--ignored", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked_but_ignored == []


def test_the_readme_starts_with_exactly_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in first_block.splitlines()]
    assert [command for command in commands if command] == ["make run", "make test"]
    assert text.split("\n\n")[1].startswith("```sh\nmake run")  # right after the title
