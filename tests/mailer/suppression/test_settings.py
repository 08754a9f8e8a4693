"""Suppression settings: checked when used and by system checks; the grace period is ≤ 30 days."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from mailer.checks import check_suppression_settings, check_unsubscribe_base_url
from mailer.conf import get_suppression_settings
from mailer.exceptions import MailerConfigurationError
from tests.support.files import BASE_DIR


def test_defaults(settings):
    for name in ("MAILROOM_SOFT_BOUNCE_LIMIT", "MAILROOM_SOFT_BOUNCE_WINDOW_DAYS",
                 "MAILROOM_SOFT_BOUNCE_GRACE_DAYS"):
        delattr(settings, name)
    conf = get_suppression_settings()
    assert (conf.soft_bounce_limit, conf.soft_bounce_window, conf.soft_bounce_grace) == (
        3, timedelta(days=7), timedelta(days=14))


@pytest.mark.parametrize(("name", "value", "message"), [
    ("MAILROOM_SOFT_BOUNCE_GRACE_DAYS", 31, "MAILROOM_SOFT_BOUNCE_GRACE_DAYS is 31: set 1 to 30"),
    ("MAILROOM_SOFT_BOUNCE_GRACE_DAYS", 0, "MAILROOM_SOFT_BOUNCE_GRACE_DAYS is 0"),
    ("MAILROOM_SOFT_BOUNCE_WINDOW_DAYS", 15, "MAILROOM_SOFT_BOUNCE_WINDOW_DAYS is 15: set 1 to"),
    ("MAILROOM_SOFT_BOUNCE_LIMIT", 0, "MAILROOM_SOFT_BOUNCE_LIMIT is 0"),
])
def test_bad_values_raise_when_used_and_fail_the_system_check(settings, name, value, message):
    setattr(settings, name, value)
    with pytest.raises(MailerConfigurationError, match=message):
        get_suppression_settings()
    [error] = check_suppression_settings(None)
    assert error.id == "mailer.E010" and message in error.msg


def test_the_check_passes_with_good_values(settings):
    settings.MAILROOM_SOFT_BOUNCE_GRACE_DAYS = 30
    settings.MAILROOM_SOFT_BOUNCE_WINDOW_DAYS = 30
    assert check_suppression_settings(None) == []


@pytest.mark.parametrize(("url", "ok"), [("https://mail.example.com", True),
                                         ("http://mail.example.com", False), (None, False)])
def test_deploy_check_wants_an_https_base_url(settings, url, ok):
    settings.MAILROOM_BASE_URL = url
    errors = check_unsubscribe_base_url(None)
    assert (errors == []) is ok
    assert ok or errors[0].id == "mailer.E011"


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "from project.settings import base; print(base.MAILROOM_BASE_URL)"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAILROOM_", "DEBUG"))}
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def test_the_environment_cannot_set_a_grace_period_over_30_days():
    result = load_settings({"DEBUG": "1", "MAILROOM_SOFT_BOUNCE_GRACE_DAYS": "45"})
    assert result.returncode != 0
    assert "MAILROOM_SOFT_BOUNCE_GRACE_DAYS is over 30 days: set 30 at most" in result.stderr


@pytest.mark.parametrize(("env", "expected"), [
    ({"DEBUG": "1"}, "http://localhost:8000"),
    ({"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "mail.example.com,other"},
     "https://mail.example.com"),
    ({"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": ".example.com"}, "None"),
    ({"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "a.example",
      "MAILROOM_BASE_URL": "https://links.example.com"}, "https://links.example.com"),
])
def test_base_url_defaults(env, expected):
    result = load_settings(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
