"""Fuzz: malformed bodies and envelopes get a 4xx from the view, never a 5xx, and store nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bouncy.models import Notification

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=150, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# What a Notification's verification depends on; the rest (UnsubscribeURL, Token, …) is ignored.
MATTERS = ["Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion", "Signature",
           "SigningCertURL", "Subject"]
SIGNED_IN_CONFIRMATIONS = ["Type", "MessageId", "TopicArn", "Message", "Timestamp", "SubscribeURL",
                           "Token", "SignatureVersion", "Signature", "SigningCertURL"]
KEYS = ["Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion", "Signature",
        "SigningCertURL", "Subject", "SubscribeURL", "Token", "UnsubscribeURL"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: (st.lists(inner, max_size=4)
                   | st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def assert_refused(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert response.content.count(b"\n") == 1
    assert not Notification.objects.exists()


def effective(envelope: dict) -> dict:
    """The fields that decide acceptance; a null Subject is an absent one."""
    return {k: envelope[k] for k in MATTERS if k in envelope and envelope[k] is not None}


@pytest.fixture(params=[True, False], ids=["DEBUG on", "DEBUG off"])
def debug(request, settings):
    settings.DEBUG = request.param


@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")  # whitenoise, no collectstatic
@FUZZ
@given(raw=st.binary(max_size=2048))
def test_random_bytes(post, debug, raw):
    assert_refused(post(raw))


@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
@FUZZ
@given(doc=json_values)
def test_random_json(post, debug, doc):
    assert_refused(post(json.dumps(doc).encode()))


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(KEYS), json_values, min_size=1, max_size=4),
       removed=st.sets(st.sampled_from(KEYS), max_size=3))
def test_signed_envelopes_with_fields_changed(post, publisher, changes, removed):
    envelope = publisher.aws("awsdoc_event_send.json")
    original = dict(envelope)
    envelope.update(changes)
    for key in removed:
        envelope.pop(key, None)
    response = post(envelope)
    if effective(envelope) == effective(original):
        assert response.status_code == 200
        Notification.objects.all().delete()
    else:
        assert_refused(response)


@FUZZ
@given(text=st.text(min_size=1, max_size=300))
def test_signed_envelopes_with_random_ses_content_are_stored_or_refused_never_500(
        post, publisher, text):
    response = post(publisher.notification(text))
    if "\x00" in text:  # SNS cannot carry NUL; PostgreSQL text cannot hold it
        assert_refused(response)
    else:
        assert response.status_code == 200
        Notification.objects.all().delete()


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(SIGNED_IN_CONFIRMATIONS), json_values | st.text(),
                               min_size=1, max_size=3))
def test_signed_confirmations_with_fields_changed(post, publisher, changes):
    envelope = publisher.confirmation()
    original = dict(envelope)
    envelope.update(changes)
    response = post(envelope)
    if envelope == original:
        assert response.status_code == 200
        Notification.objects.all().delete()
    else:
        assert_refused(response)
