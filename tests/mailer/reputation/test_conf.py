"""The MAILROOM_REPUTATION_* settings: defaults, percentages, order, errors naming the setting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mailer.reputation.conf import Thresholds, get_settings
from mailer.reputation.exceptions import ReputationConfigurationError


def test_the_defaults():
    conf = get_settings()
    assert conf.warn == Thresholds(0.02, 0.0005) and conf.pause == Thresholds(0.04, 0.0008)
    assert (conf.window_sends, conf.window, conf.min_sample) == (10000, timedelta(days=7), 1000)
    assert (conf.campaign_min_sample, conf.campaign_factor) == (200, 3.0)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("MAILROOM_REPUTATION_PAUSE_BOUNCE_PERCENT", 0, "set a percentage above 0 and below 100"),
    ("MAILROOM_REPUTATION_WARN_COMPLAINT_PERCENT", 100, "set a percentage above 0"),
    ("MAILROOM_REPUTATION_WARN_BOUNCE_PERCENT", 5, "WARN_BOUNCE_PERCENT is above"),
    ("MAILROOM_REPUTATION_MIN_SAMPLE", 0, "MAILROOM_REPUTATION_MIN_SAMPLE is 0: set 1 or more"),
    ("MAILROOM_REPUTATION_WINDOW_SENDS", 0, "WINDOW_SENDS is 0"),
    ("MAILROOM_REPUTATION_CAMPAIGN_FACTOR", 0.5, "CAMPAIGN_FACTOR is 0.5: set 1 or more"),
])
def test_a_wrong_setting_is_named(settings, name, value, message):
    setattr(settings, name, value)
    with pytest.raises(ReputationConfigurationError, match=message):
        get_settings()
