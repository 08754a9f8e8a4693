"""conf: typed settings, read when used."""

from __future__ import annotations

import pytest

from bouncy.conf import DEFAULT_CERT_URL_PATTERN, DEFAULT_MAX_BODY_BYTES, get_settings
from bouncy.exceptions import BouncyConfigurationError


def test_defaults(settings):
    del settings.BOUNCY_CERT_URL_PATTERN
    del settings.BOUNCY_MAX_BODY_BYTES
    conf = get_settings()
    assert conf.cert_url_pattern == DEFAULT_CERT_URL_PATTERN
    assert conf.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 393216
    assert conf.fetch_timeout == 5.0 and conf.cert_max_bytes == 65536


def test_settings_are_read_when_used(settings):
    settings.BOUNCY_TOPIC_ARN = ["arn:aws:sns:eu-west-1:123456789012:a"]
    assert get_settings().topic_arns == {"arn:aws:sns:eu-west-1:123456789012:a"}


def test_dev_hosts_are_active_only_with_debug(settings):
    settings.BOUNCY_DEV_CERT_HOSTS = ["Sandbox:8025"]
    assert get_settings().active_dev_hosts == {"sandbox:8025"}
    settings.DEBUG = False
    assert get_settings().dev_cert_hosts == {"sandbox:8025"}
    assert get_settings().active_dev_hosts == frozenset()


def test_a_bad_pattern_names_the_setting(settings):
    settings.BOUNCY_CERT_URL_PATTERN = "(unclosed"
    with pytest.raises(BouncyConfigurationError, match="BOUNCY_CERT_URL_PATTERN"):
        assert get_settings().cert_url_regex
