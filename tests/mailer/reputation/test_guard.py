"""The guard's state: derived from the latest account event, cached, cleared on every change."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from mailer.reputation import guard
from mailer.reputation.models import GuardEvent

pytestmark = pytest.mark.django_db
Action = GuardEvent.Action


def event(action: str, campaign_id: int | None = None) -> GuardEvent:
    record = GuardEvent.objects.create(action=action, actor_name="test", reason=action,
                                       campaign_id=campaign_id)
    guard.changed()
    return record


def test_bulk_is_allowed_until_the_guard_holds_it():
    assert guard.bulk_allowed() and guard.current() == guard.GuardState()
    event(Action.HELD)
    assert not guard.bulk_allowed()
    assert guard.current().level == guard.HELD and guard.current().reason == "held"
    event(Action.RESUMED)
    assert guard.bulk_allowed() and guard.current().level == guard.OK


def test_warnings_set_the_level_but_never_hold():
    event(Action.WARNED)
    assert guard.current().level == guard.WARNING and guard.bulk_allowed()
    event(Action.RECOVERED)
    assert guard.current().level == guard.OK


def test_a_campaign_paused_alone_does_not_change_the_account():
    event(Action.HELD)
    event(Action.CAMPAIGN_PAUSED, campaign_id=3)
    assert guard.current().held


def test_the_state_is_cached_and_a_change_clears_it(django_assert_num_queries):
    guard.bulk_allowed()
    with django_assert_num_queries(0):
        assert guard.bulk_allowed()
    GuardEvent.objects.create(action=Action.HELD, actor_name="x", reason="behind its back")
    assert guard.bulk_allowed()  # cached: a writer must call changed()
    guard.changed()
    assert not guard.bulk_allowed()


def test_the_cache_expires_by_itself(redis_client):
    guard.current()
    assert 0 < redis_client.ttl(cache.make_key(guard.CACHE_KEY)) <= guard.CACHE_SECONDS


def test_the_state_is_json_ready():
    held = event(Action.HELD)
    assert guard.current().as_dict() == {
        "level": "held", "since": held.created_at.isoformat(), "reason": "held"}
