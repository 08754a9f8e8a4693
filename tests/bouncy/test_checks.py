"""checks: bouncy.W001 … and bouncy.E001 … on the settings."""

from __future__ import annotations

from django.core import checks


def ids() -> list[str]:
    return sorted(m.id for m in checks.run_checks() if m.id and m.id.startswith("bouncy."))


def test_the_test_settings_pass(settings):
    assert ids() == []


def test_w001_when_no_topic_is_allowed(settings):
    settings.BOUNCY_TOPIC_ARN = []
    assert ids() == ["bouncy.W001"]


def test_w002_for_a_value_that_is_not_a_topic_arn(settings):
    settings.BOUNCY_TOPIC_ARN = ["arn:aws:sns:us-east-1:123456789012:ok", "ses-feedback"]
    assert ids() == ["bouncy.W002"]


def test_e001_when_dev_hosts_are_set_without_debug(settings):
    settings.DEBUG = False
    assert ids() == ["bouncy.E001"]


def test_no_e001_when_debug_is_on(settings):
    settings.BOUNCY_DEV_CERT_HOSTS = ["127.0.0.1:8025"]
    assert ids() == []


def test_e003_for_a_dev_host_without_port(settings):
    settings.BOUNCY_DEV_CERT_HOSTS = ["localhost"]
    assert ids() == ["bouncy.E003"]


def test_e002_for_a_pattern_that_does_not_compile(settings):
    settings.BOUNCY_CERT_URL_PATTERN = "(unclosed"
    assert ids() == ["bouncy.E002"]


def test_w003_for_the_loose_region_pattern_that_lets_s3_buckets_in(settings):
    settings.BOUNCY_CERT_URL_PATTERN = (
        r"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/SimpleNotificationService-[0-9a-f]+\.pem$")
    found = [m for m in checks.run_checks() if m.id == "bouncy.W003"]
    assert [m.msg for m in found] == [
        "BOUNCY_CERT_URL_PATTERN accepts "
        "'https://sns.s3-us-west-2.amazonaws.com/SimpleNotificationService-0123abcd.pem'.",
        "BOUNCY_CERT_URL_PATTERN accepts "
        "'https://sns.s3-accelerate.amazonaws.com/SimpleNotificationService-0123abcd.pem'.",
    ]


def test_w003_for_a_pattern_that_refuses_sns_itself(settings):
    settings.BOUNCY_CERT_URL_PATTERN = r"^https://sns\.us-east-1\.amazonaws\.com/.*$"
    assert set(ids()) == {"bouncy.W003"}
