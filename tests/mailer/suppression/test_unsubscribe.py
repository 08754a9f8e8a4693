"""One-click unsubscribe tokens and headers: signed per address and list, not transferable."""

import pytest
from django.core import signing

from mailer.exceptions import InvalidUnsubscribeToken, MailerConfigurationError
from mailer.models import Unsubscribe
from mailer.suppression.unsubscribe import (
    Subscription,
    make_token,
    read_token,
    unsubscribe,
    unsubscribe_headers,
    unsubscribe_url,
)


def test_a_token_names_one_normalised_address_and_one_list():
    token = make_token("Jane@Example.COM", "newsletter")
    assert read_token(token) == Subscription("jane@example.com", "newsletter")
    assert token == make_token("jane@example.com", "newsletter")  # stable: no expiry, no clock
    assert token != make_token("jane@example.com", "offers")


def test_a_token_cannot_be_reused_for_another_address():
    token = make_token("jane@example.com", "newsletter")
    payload, signature = token.rsplit(":", 1)
    other_payload = make_token("bob@example.com", "newsletter").rsplit(":", 1)[0]
    with pytest.raises(InvalidUnsubscribeToken):
        read_token(f"{other_payload}:{signature}")
    with pytest.raises(InvalidUnsubscribeToken):
        read_token(f"{payload}:{signature[:-1]}")


@pytest.mark.parametrize("token", ["", "garbage", "a:b:c", "x" * 500])
def test_malformed_tokens_are_rejected(token):
    with pytest.raises(InvalidUnsubscribeToken):
        read_token(token)


def test_a_token_signed_with_another_key_or_salt_is_rejected(settings):
    forged = signing.Signer(key="not-our-secret", salt="mailer.unsubscribe").sign_object(
        ["jane@example.com", "newsletter"])
    other_salt = signing.Signer(salt="something.else").sign_object(["jane@example.com", "n"])
    for token in (forged, other_salt):
        with pytest.raises(InvalidUnsubscribeToken):
            read_token(token)


def test_a_validly_signed_token_with_a_bad_payload_is_rejected():
    for payload in (["jane@example.com"], "just a string", ["not an address", "n"]):
        with pytest.raises(InvalidUnsubscribeToken):
            read_token(signing.Signer(salt="mailer.unsubscribe").sign_object(payload))


def test_list_id_is_required_and_bounded():
    with pytest.raises(ValueError, match="list_id"):
        make_token("jane@example.com", "")
    with pytest.raises(ValueError, match="list_id"):
        make_token("jane@example.com", "x" * 101)


def test_headers_follow_rfc_8058(settings):
    settings.MAILROOM_BASE_URL = "https://mail.example.com/"
    settings.MAILROOM_UNSUBSCRIBE_MAILTO = None
    headers = unsubscribe_headers("jane@example.com", "newsletter")
    token = make_token("jane@example.com", "newsletter")
    assert headers == {
        "List-Unsubscribe": f"<https://mail.example.com/mail/unsubscribe/{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert unsubscribe_url("jane@example.com", "newsletter") == (
        f"https://mail.example.com/mail/unsubscribe/{token}")


def test_headers_carry_a_mailto_when_configured(settings):
    settings.MAILROOM_BASE_URL = "https://mail.example.com"
    settings.MAILROOM_UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"
    value = unsubscribe_headers("jane@example.com", "newsletter")["List-Unsubscribe"]
    https, mailto = value.split(", ")
    assert https.startswith("<https://mail.example.com/mail/unsubscribe/")
    assert mailto.startswith("<mailto:unsubscribe@example.com?subject=unsubscribe%20")
    assert mailto.endswith(">") and " " not in mailto


def test_headers_need_a_base_url(settings):
    settings.MAILROOM_BASE_URL = None
    with pytest.raises(MailerConfigurationError, match="MAILROOM_BASE_URL is not set"):
        unsubscribe_headers("jane@example.com", "newsletter")


@pytest.mark.django_db
def test_unsubscribe_adds_one_bulk_only_suppression_idempotently():
    subscription = Subscription("jane@example.com", "newsletter")
    unsubscribe(subscription)
    unsubscribe(subscription)
    row = Unsubscribe.objects.get()
    assert (row.address, row.reason, row.scope) == ("jane@example.com", "unsubscribed", "bulk")
    assert row.source == "one-click unsubscribe, list newsletter"
