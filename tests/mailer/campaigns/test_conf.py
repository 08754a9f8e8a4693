"""Campaign settings: read when used; a count below 1 names its setting."""

from __future__ import annotations

import pytest

from mailer.campaigns.conf import get_campaign_settings
from mailer.exceptions import MailerConfigurationError


def test_defaults(settings):
    del settings.MAILROOM_CAMPAIGN_CHUNK_SIZE, settings.MAILROOM_CAMPAIGN_STEPS_PER_TASK
    conf = get_campaign_settings()
    assert (conf.chunk_size, conf.steps_per_task) == (5000, 8)


@pytest.mark.parametrize(
    "name", ["MAILROOM_CAMPAIGN_CHUNK_SIZE", "MAILROOM_CAMPAIGN_STEPS_PER_TASK"]
)
def test_a_count_below_one_is_refused(settings, name):
    setattr(settings, name, 0)
    with pytest.raises(MailerConfigurationError, match=f"{name} is 0: set 1 or more"):
        get_campaign_settings()
