"""System check reputation.E001 reports a wrong MAILROOM_REPUTATION_* setting at start-up."""

from __future__ import annotations

from mailer.reputation.checks import check_reputation_settings


def test_good_settings_pass():
    assert check_reputation_settings(None) == []


def test_a_wrong_setting_is_an_error(settings):
    settings.MAILROOM_REPUTATION_WARN_COMPLAINT_PERCENT = 0.5
    [error] = check_reputation_settings(None)
    assert error.id == "reputation.E001" and "WARN_COMPLAINT_PERCENT is above" in error.msg
