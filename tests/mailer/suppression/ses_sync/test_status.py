"""mailer_status shows the last sync time and counts (text and --json, CONTRACT's keys kept)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from mailer.exceptions import SESTransientError
from mailer.models import Unsubscribe
from mailer.suppression.ses_sync import pull, removal

pytestmark = pytest.mark.django_db


def status(*args: str) -> str:
    out = io.StringIO()
    call_command("mailer_status", *args, stdout=out)
    return out.getvalue()


def test_json_has_the_sync_under_its_own_key(box, redis_client):
    box.suppression.put("a@example.com", "BOUNCE")
    box.suppression.put("b@example.com", "BOUNCE")
    Unsubscribe.objects.create(address="b@example.com", reason="hard_bounce")
    pull.pull()
    removal.request(["c@example.com"], "admin")
    facts = json.loads(status("--json"))
    assert isinstance(facts["queued"], int) and isinstance(facts["suppressed"], int)
    sync = facts["ses_suppression"]
    assert sync["last_pull_at"] and sync["last_full_pull_at"] and sync["last_push_at"] is None
    assert (sync["listed_at_ses"], sync["imported"]) == (2, 1)
    assert (sync["pending_removals"], sync["failed_removals"]) == (1, 0)
    assert sync["last_pull"]["created"] == 1 and sync["push_enabled"] is False


def test_text_says_when_it_last_synced(box, redis_client):
    assert "SES suppression list: 0 addresses listed at SES" in status()
    assert "last pull never" in status()
    box.suppression.add_fault("ServiceUnavailable", 6, "ListSuppressedDestinations")
    with pytest.raises(SESTransientError):
        pull.pull()
    assert "last error: pull: ServiceUnavailable" in status()
