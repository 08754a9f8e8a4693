"""The SES boundary against a real HTTP endpoint: sends, the quota, and every error class."""

import pytest
from django.core.mail import EmailMessage

from mailer import aws
from mailer.exceptions import (
    SESAccountError,
    SESDailyQuotaExceeded,
    SESPermanentError,
    SESThrottled,
    SESTransientError,
)


def message(**kwargs) -> EmailMessage:
    fields = {
        "subject": "Hi",
        "body": "Body",
        "from_email": "from@example.com",
        "to": ["to@example.com"],
        **kwargs,
    }
    return EmailMessage(**fields)


def test_send_returns_the_ses_message_id_and_reaches_every_recipient(ses_sandbox):
    result = aws.send(message(cc=["cc@example.com"], bcc=["bcc@example.com"]))
    [received] = ses_sandbox.messages()
    assert result.message_id == received["message_id"]
    assert sorted(received["destinations"]) == [
        "bcc@example.com",
        "cc@example.com",
        "to@example.com",
    ]
    assert "bcc@example.com" not in received["raw"]  # bcc goes in Destinations, not headers


def test_configuration_set_is_passed_on_every_send(ses_sandbox, settings):
    settings.AWS_SES_CONFIGURATION_SET = "mailroom-events"
    aws.send(message())
    assert ses_sandbox.messages()[0]["configuration_set"] == "mailroom-events"


def test_get_quota_reads_the_account_limits(settings):
    from mailer.sandbox import SESSandbox

    with SESSandbox(max_send_rate=14, max_24h_send=50000) as box:
        settings.AWS_SES_REGION_ENDPOINT_URL = box.url
        aws.reset_client()
        quota = aws.get_quota()
    aws.reset_client()
    assert (quota.max_send_rate, quota.max_24_hour_send, quota.sent_last_24_hours) == (14, 50000, 0)
    assert not quota.exhausted


@pytest.mark.parametrize(
    ("fault", "error_class", "code"),
    [
        ("Throttling", SESThrottled, "Throttling"),
        ("DailyQuotaExceeded", SESDailyQuotaExceeded, "Throttling"),
        ("ServiceUnavailable", SESTransientError, "ServiceUnavailable"),
        ("InternalFailure", SESTransientError, "InternalFailure"),
        # The account, not the message: every worker pauses, no email fails.
        ("AccountSendingPaused", SESAccountError, "AccountSendingPausedException"),
        ("InvalidClientTokenId", SESAccountError, "InvalidClientTokenId"),
        ("MessageRejected", SESAccountError, "MessageRejected"),  # the sender is not verified
        ("MailFromDomainNotVerified", SESAccountError, "MailFromDomainNotVerifiedException"),
        ("ConfigurationSetDoesNotExist", SESAccountError, "ConfigurationSetDoesNotExist"),
        # This message only.
        ("RecipientNotVerified", SESPermanentError, "MessageRejected"),
        ("InvalidParameterValue", SESPermanentError, "InvalidParameterValue"),
    ],
)
def test_each_ses_error_is_classified(ses_sandbox, fault, error_class, code):
    ses_sandbox.add_fault(fault)
    with pytest.raises(error_class) as caught:
        aws.send(message())
    assert caught.value.code == code
    assert type(caught.value) is error_class
    assert ses_sandbox.messages() == []


def test_an_unreachable_endpoint_is_transient(settings):
    settings.AWS_SES_REGION_ENDPOINT_URL = "http://127.0.0.1:9"  # nothing listens there
    aws.reset_client()
    try:
        with pytest.raises(SESTransientError, match="Cannot reach SES"):
            aws.send(message())
    finally:
        aws.reset_client()


def test_non_ascii_addresses_reach_ses_in_punycode_and_encoded_words(ses_sandbox):
    aws.send(message(from_email="Shop Ümlaut <app@bücher.example>", to=["ann@bücher.example"]))

    [received] = ses_sandbox.messages()
    assert received["destinations"] == ["ann@xn--bcher-kva.example"]
    assert received["source"] == "=?utf-8?q?Shop_=C3=9Cmlaut?= <app@xn--bcher-kva.example>"
