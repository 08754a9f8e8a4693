"""Fixtures for the sync with SES's list: the sandbox holding entries, short retry waits."""

from __future__ import annotations

import pytest

from mailer.suppression.ses_sync import retry


@pytest.fixture(autouse=True)
def _short_waits(monkeypatch) -> None:
    """Throttles are still waited out and retried, with waits of milliseconds."""
    monkeypatch.setattr(retry, "FIRST_WAIT_SECONDS", 0.01)
    monkeypatch.setattr(retry, "MAX_WAIT_SECONDS", 0.05)


@pytest.fixture
def box(ses_sandbox):
    """The SES sandbox the boto3 clients point at, its suppression list empty."""
    return ses_sandbox
