"""Browser tests: Debian's Chromium driven by Playwright, against pytest-django's
`live_server`. Fixtures here are re-exported by tests/conftest.py for every test folder.

- `browser`: one headless Chromium per test module. Missing Chromium FAILS the test (CI
  installs it: `.ci/run`); it is never skipped. `CHROMIUM_PATH` overrides where it is.
- `page`: a fresh browser context and page per test (JavaScript on; pass
  `java_script_enabled=False` to `browser.new_context` to check a page works without it).
- `screenshot(page, name)`: saves `test-artifacts/<name>.png` (git-ignored) and returns it.
- `OffsiteRequests`: records any request that leaves the live server.

Playwright's sync API keeps an asyncio loop running in the test's thread, which Django
takes as "async context" and would refuse ORM calls from the test itself; while a browser
is open, `DJANGO_ALLOW_ASYNC_UNSAFE` is set (the live server runs in its own thread).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            f"Chromium is not installed ({path} not found): browser tests need it. "
            "Install it with `apt-get install chromium` (.ci/run does), or set CHROMIUM_PATH.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield launched
            finally:
                launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class OffsiteRequests:
    """Every request a page makes that does not go to `origin` (tracking, CDNs, fonts...)."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin.rstrip("/") + "/"
        self.urls: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if not (request.url.startswith(self.origin) or request.url.startswith("data:")):
            self.urls.append(request.url)
