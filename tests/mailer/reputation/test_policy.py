"""The verdicts: thresholds, the minimum sample, and "far above the account" for a campaign."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mailer.reputation import policy
from mailer.reputation.conf import ReputationSettings, Thresholds
from mailer.reputation.models import Stream
from mailer.reputation.rates import Counts, StreamCounts

CONF = ReputationSettings(
    window_sends=10000, window=timedelta(days=7), warn=Thresholds(0.02, 0.0005),
    pause=Thresholds(0.04, 0.0008), min_sample=1000, campaign_min_sample=200,
    campaign_factor=3.0, notify_admins=False, snapshot_retention=timedelta(days=7),
)


def counts(recipients: int, hard: int = 0, complaints: int = 0) -> Counts:
    return Counts(recipients, recipients, recipients - hard, hard, 0, complaints)


@pytest.mark.parametrize(("sample", "hard", "complaints", "level"), [
    (2000, 0, 0, policy.OK),
    (2000, 39, 0, policy.OK),        # 1.95 %
    (2000, 40, 0, policy.WARN),      # 2 %
    (2000, 80, 0, policy.PAUSE),     # 4 %
    (10000, 0, 5, policy.WARN),      # 0.05 % complaints
    (10000, 0, 8, policy.PAUSE),     # 0.08 % complaints
    (999, 500, 0, policy.OK),        # under the minimum sample: no action
])
def test_account_levels(sample, hard, complaints, level):
    assert policy.account(counts(sample, hard, complaints), CONF).level == level


def test_a_verdict_says_why():
    verdict = policy.account(counts(2000, 100), CONF)
    assert verdict.reason == "bounce rate 5 % >= pause threshold 4 % over 2000 recipients"


def test_a_campaign_far_above_the_account_is_paused():
    account = counts(10000, 50)  # 0.5 %
    assert policy.stale_campaign(counts(200, 6), account, CONF).level == policy.PAUSE  # 3 %
    assert policy.stale_campaign(counts(200, 3), account, CONF).level == policy.OK  # 1.5 %
    assert policy.stale_campaign(counts(199, 100), account, CONF).level == policy.OK  # sample


def test_far_above_means_the_factor_times_the_account():
    account = counts(10000, 300)  # 3 %: a campaign needs 9 %
    assert policy.stale_campaign(counts(400, 32), account, CONF).level == policy.OK
    assert policy.stale_campaign(counts(400, 36), account, CONF).level == policy.PAUSE


def test_campaigns_to_pause_names_only_the_stale_ones():
    account = counts(10000, 50)
    streams = [StreamCounts(Stream.CAMPAIGN, counts(300, 30), 7),
               StreamCounts(Stream.CAMPAIGN, counts(300, 1), 8),
               StreamCounts(Stream.TRANSACTIONAL, counts(300, 30))]
    reasons = policy.campaigns_to_pause(streams, account, CONF)
    assert list(reasons) == [7] and reasons[7].startswith("campaign bounce rate 10 % >= 2 %")
