"""The fast Email row builder writes exactly the row the general path writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mailer.campaigns.fanout.composing import Pending, composer
from mailer.campaigns.fanout.copy_rows import EmailRows
from mailer.models import Unsubscribe

pytestmark = pytest.mark.django_db

STAMP = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
HTML = "<p>{{ first_name }} &amp; {{ n }}</p><a href='{{ unsubscribe_url }}'>x</a>"


def both_rows(campaign, recipient: Pending) -> tuple[tuple, tuple]:
    """The fast and the general line for one recipient, Message-IDs blanked (each is new).

    The chunk's first recipient is an ordinary one, as the fast headers are checked on it.
    """
    sample = Pending(0, "sample@example.com", {})
    chunk = composer(campaign, [sample.address, recipient.address], timezone.now())
    fast = EmailRows(chunk, campaign.from_email, STAMP)
    slow = EmailRows(chunk, campaign.from_email, STAMP, fast=False)
    assert fast.has_fast_path and not slow.has_fast_path
    return _masked(fast.build(recipient, 41)), _masked(slow.build(recipient, 41))


def _masked(line) -> tuple:
    fields = decode(line.email) if line.email else None
    if fields:
        fields[-1] = b"<id>"
    return line.state, line.error, fields


def decode(row: bytes) -> list[bytes | None]:
    """A binary COPY row's fields (None for NULL)."""
    count, pos, fields = int.from_bytes(row[:2], "big"), 2, []
    for _ in range(count):
        size = int.from_bytes(row[pos:pos + 4], "big", signed=True)
        pos += 4
        fields.append(None if size < 0 else row[pos:pos + max(size, 0)])
        pos += max(size, 0)
    assert pos == len(row)
    return fields


@pytest.mark.parametrize("mailto", [None, "unsubscribe@example.com"])
@pytest.mark.parametrize("context", [
    {"first_name": "Ann", "n": "1"},
    {"first_name": "Tom & <Jerry>\t\\", "n": 1234567},
    {"first_name": "multi\nline\r\nsubject", "n": "ünï ✓"},
])
def test_fast_rows_equal_general_rows(make_campaign, settings, mailto, context):
    settings.MAILROOM_UNSUBSCRIBE_MAILTO = mailto
    campaign = make_campaign(subject="Hi {{ first_name }}", html=HTML)

    fast, slow = both_rows(campaign, Pending(1, "ann@example.com", context))

    assert fast == slow and fast[0] == "queued"
    headers = json.loads(fast[2][12][1:])  # after jsonb's version byte
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(("address", "context"), [
    ("ann@example.com", {}),  # a missing name: Django renders it
    ("ann@example.com", {"first_name": 1.5, "n": None}),  # floats and None: Django formats them
    ("Ann@Example.com", {"first_name": "A", "n": "1"}),  # not normalised: slow headers
])
def test_what_the_fast_builder_cannot_do_goes_the_general_way(make_campaign, address, context):
    campaign = make_campaign(subject="Hi {{ first_name }}", html=HTML)

    fast, slow = both_rows(campaign, Pending(1, address, context))

    assert fast == slow and fast[0] == "queued"


def test_suppressed_recipients_get_no_line(make_campaign):
    Unsubscribe.objects.create(address="gone@example.com", reason="complaint")
    campaign = make_campaign(subject="Hi {{ first_name }}")

    fast, slow = both_rows(campaign, Pending(1, "gone@example.com", {"first_name": "A"}))

    assert fast == slow == ("suppressed", "Suppressed: complaint", None)


def test_templates_beyond_bare_names_take_the_general_path_and_fail_per_recipient(make_campaign):
    subject = "{% if page == 'home' %}home{% else %}{% url page %}{% endif %}"  # no plan
    campaign = make_campaign(subject=subject)
    recipients = [Pending(1, "a@example.com", {"page": "no-such-view"}),
                  Pending(2, "b@example.com", {"page": "home"})]
    chunk = composer(campaign, [r.address for r in recipients], timezone.now())
    builder = EmailRows(chunk, "n@example.com", STAMP)

    failed, sent = (builder.build(r, 7 + r.id) for r in recipients)

    assert not builder.has_fast_path
    assert failed.state == "failed" and "Template error" in failed.error and failed.email is None
    fields = decode(sent.email)
    assert sent.state == "queued" and fields[1:3] == [b"n@example.com", b"b@example.com"]


@pytest.fixture
def campaign(make_campaign):
    return make_campaign(subject="Hi {{ first_name }}", html=HTML)


# The campaign fixture is made once and only read: sharing it between examples is intended.
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(max_size=30), n=st.one_of(st.integers(), st.text(max_size=10)))
def test_any_string_or_int_context_gives_the_same_line(campaign, name, n):
    fast, slow = both_rows(campaign, Pending(1, "ann@example.com", {"first_name": name, "n": n}))
    assert fast == slow
