"""A real browser for the admin's flows: Debian's chromium, driven by Playwright for Python.

The browser is the system's (``scripts/test`` installs it); nothing is downloaded at run time.
A missing browser fails the test, with how to install it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from django.db import connections

from tests.support.browser import CHROMIUM, FLAGS, HEIGHT, WIDTH


@pytest.fixture
def page(monkeypatch) -> Iterator:
    """A 1,400 x 900 page in headless Chromium."""
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"No browser at {CHROMIUM}: apt-get install -y chromium (scripts/test does it).",
            pytrace=False,
        )
    # Playwright's sync API keeps an event loop in this thread; the test's ORM calls around
    # it are still plain synchronous calls, which Django would otherwise refuse.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        finally:
            browser.close()
            # The test's ORM calls, made while Playwright's event loop runs in this thread, open
            # a connection that pytest-django's teardown does not see: closed here, or it keeps
            # the test database busy when pytest-django drops it (a warning at the end of a run).
            connections.close_all()
