"""``summary()`` for mailer_status: JSON-ready rates per stream and the guard's state, and text."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from mailer.reputation import actions, refresh, status
from mailer.reputation.rates import Counts
from tests.support import records

pytestmark = pytest.mark.django_db


def test_before_any_snapshot():
    data = status.summary()
    assert data == {"guard": {"level": "ok", "since": None, "reason": ""}, "taken_at": None,
                    "window_start": None, "rates": {}}
    assert status.lines(data) == [
        "reputation guard  not judged yet: 0 of 1000 recipients",
        "reputation rates  - (no snapshot yet)",
    ]


def test_rates_per_stream_and_the_guard(small):
    news = records.campaign("news")
    records.outcomes(records.send(8), hard=1)
    records.outcomes(records.send(2, campaign=news), complaints=1)
    refresh.run()
    actions.hold("bounce rate 10 %", Counts())
    data = json.loads(json.dumps(status.summary()))
    assert data["guard"]["level"] == "held" and data["guard"]["reason"] == "bounce rate 10 %"
    assert set(data["rates"]) == {"all", "transactional", f"campaign:{news.id}"}
    assert data["rates"]["all"]["bounce_rate"] == pytest.approx(0.1)
    assert data["rates"][f"campaign:{news.id}"] == {
        "name": "news", "recipients": 2, "delivered": 2, "hard_bounces": 0, "soft_bounces": 0,
        "complaints": 1, "bounce_rate": 0.0, "complaint_rate": 0.5}
    text = status.lines(data)
    assert text[0].startswith("reputation guard  held since ")
    assert "reputation all  bounce 10 %, complaint 11.1 % over 10 recipients" in text
    assert data["taken_at"] <= timezone.now().isoformat()
