"""Injected faults: each code through boto3 v1 and v2, counts, and recipient matching."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support.sandbox import raw_message

FAULTS = [
    # code, v1 code, v1 status, v2 code, v2 status, message fragment, stats key
    ("Throttling", "Throttling", 400, "TooManyRequestsException", 429, "rate", "throttled"),
    ("DailyQuotaExceeded", "Throttling", 400, "LimitExceededException", 400, "Daily", "rejected"),
    ("MessageRejected", "MessageRejected", 400, "MessageRejected", 400,
     "identities failed the check in region EU-WEST-1: from@example.com", "rejected"),
    ("MailFromDomainNotVerified", "MailFromDomainNotVerifiedException", 400,
     "MailFromDomainNotVerifiedException", 400, "example.com", "rejected"),
    ("ConfigurationSetDoesNotExist", "ConfigurationSetDoesNotExist", 400,
     "NotFoundException", 404, "<tracking>", "rejected"),
    ("AccountSendingPaused", "AccountSendingPausedException", 400,
     "SendingPausedException", 400, "paused", "rejected"),
    ("ServiceUnavailable", "ServiceUnavailable", 503, "ServiceUnavailable", 503,
     "unavailable", "errors"),
    ("InternalFailure", "InternalFailure", 500, "InternalFailure", 500, "failed", "errors"),
]  # fmt: skip


def v1_send(ses) -> None:
    ses.send_raw_email(
        Source="from@example.com",
        RawMessage={"Data": raw_message()},
        ConfigurationSetName="tracking",
    )


def v2_send(sesv2) -> None:
    sesv2.send_email(
        FromEmailAddress="from@example.com",
        Content={"Raw": {"Data": raw_message()}},
        ConfigurationSetName="tracking",
    )


@pytest.mark.parametrize(("code", "v1_code", "v1_status", "v2_code", "v2_status", "text", "stat"),
                         FAULTS)  # fmt: skip
def test_fault_codes_parse_in_boto3(box, ses, sesv2, code, v1_code, v1_status, v2_code,
                                    v2_status, text, stat):  # fmt: skip
    box.add_fault(code, count=2)
    with pytest.raises(ClientError) as v1:
        v1_send(ses)
    with pytest.raises(ClientError) as v2:
        v2_send(sesv2)
    v1_send(ses)  # the fault is used up
    for caught, expected_code, status in ((v1, v1_code, v1_status), (v2, v2_code, v2_status)):
        response = caught.value.response
        assert response["Error"]["Code"] == expected_code
        assert text in response["Error"]["Message"]
        assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    stats = box.stats()
    assert stats[stat] == 2 and stats["accepted"] == 1


def test_server_faults_are_receiver_type(box, ses):
    box.add_fault("ServiceUnavailable")
    with pytest.raises(ClientError) as caught:
        v1_send(ses)
    assert caught.value.response["Error"]["Type"] == "Receiver"


def test_fault_only_for_matching_recipients(box, ses):
    box.add_fault("MessageRejected", match="bounce")
    ses.send_raw_email(RawMessage={"Data": raw_message()}, Destinations=["ok@example.com"])
    with pytest.raises(ClientError):
        ses.send_raw_email(RawMessage={"Data": raw_message()}, Destinations=["Bounce@x.com"])
    ses.send_raw_email(RawMessage={"Data": raw_message()}, Destinations=["bounce@x.com"])
    assert [m["destinations"] for m in box.messages()] == [["ok@example.com"], ["bounce@x.com"]]


def test_fault_aliases_and_unknown_codes(box):
    box.add_fault("TooManyRequestsException")
    assert box.state.pending_faults() == [{"code": "Throttling", "count": 1, "match": None}]
    with pytest.raises(ValueError, match="unknown fault code"):
        box.add_fault("NoSuchThing")


def test_faults_do_not_touch_quota_reads(box, ses):
    box.add_fault("InternalFailure")
    assert ses.get_send_quota()["MaxSendRate"] == 1000.0
    with pytest.raises(ClientError):
        v1_send(ses)


def test_reset_clears_faults(box, ses):
    box.add_fault("InternalFailure", count=5)
    box.reset()
    v1_send(ses)
    assert box.stats()["accepted"] == 1
