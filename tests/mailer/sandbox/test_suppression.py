"""The account-level suppression list: boto3's sesv2 client parses every answer; sends to a
listed address are accepted and bounce as OnAccountSuppressionList through the SNS path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from tests.support.sandbox import client, http, raw_message, wait_for

SUCCESS = "success@simulator.amazonses.com"


def put(sesv2, address: str, reason: str = "BOUNCE") -> None:
    sesv2.put_suppressed_destination(EmailAddress=address, Reason=reason)


def listed(sesv2, **filters) -> list[str]:
    """Every address listed (all pages, NextToken by hand: botocore has no paginator for it)."""
    found, token = [], {}
    while True:
        page = sesv2.list_suppressed_destinations(**filters, **token)
        found += [s["EmailAddress"] for s in page["SuppressedDestinationSummaries"]]
        if "NextToken" not in page:
            return found
        token = {"NextToken": page["NextToken"]}


def error_code(exc: pytest.ExceptionInfo) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_put_get_delete_one_address(sesv2):
    put(sesv2, "Jane@Example.com", "COMPLAINT")
    found = sesv2.get_suppressed_destination(EmailAddress="jane@example.com")
    destination = found["SuppressedDestination"]
    assert (destination["EmailAddress"], destination["Reason"]) == ("Jane@Example.com", "COMPLAINT")
    assert abs(destination["LastUpdateTime"] - datetime.now(UTC)) < timedelta(seconds=5)
    sesv2.delete_suppressed_destination(EmailAddress="jane@example.com")
    with pytest.raises(ClientError) as missing:
        sesv2.get_suppressed_destination(EmailAddress="jane@example.com")
    assert error_code(missing) == ("NotFoundException", 404)
    with pytest.raises(ClientError) as again:
        sesv2.delete_suppressed_destination(EmailAddress="jane@example.com")
    assert error_code(again) == ("NotFoundException", 404)


def test_a_bad_reason_or_address_is_a_bad_request(sesv2):
    with pytest.raises(ClientError) as reason:
        put(sesv2, "a@example.com", "UNSUBSCRIBE")
    assert error_code(reason) == ("BadRequestException", 400)
    with pytest.raises(ClientError) as address:
        put(sesv2, "not an address")
    assert error_code(address) == ("BadRequestException", 400)


def test_listing_pages_with_next_token_and_filters_by_reason(box, sesv2):
    for n in range(7):
        box.suppression.put(f"b{n}@example.com", "BOUNCE", when=1_000 + n)
    box.suppression.put("c@example.com", "COMPLAINT", when=2_000)
    first = sesv2.list_suppressed_destinations(PageSize=3)
    assert len(first["SuppressedDestinationSummaries"]) == 3 and first["NextToken"]
    assert listed(sesv2, PageSize=3) == [*(f"b{n}@example.com" for n in range(7)), "c@example.com"]
    assert listed(sesv2, Reasons=["COMPLAINT"]) == ["c@example.com"]
    assert len(listed(sesv2, Reasons=["BOUNCE", "COMPLAINT"])) == 8


def test_listing_filters_by_last_update_time(box, sesv2):
    for n in range(5):
        box.suppression.put(f"a{n}@example.com", "BOUNCE", when=1_000_000 + n * 60)
    start = datetime.fromtimestamp(1_000_000 + 60, UTC)
    end = datetime.fromtimestamp(1_000_000 + 180, UTC)
    assert listed(sesv2, StartDate=start) == [f"a{n}@example.com" for n in (1, 2, 3, 4)]
    assert listed(sesv2, StartDate=start, EndDate=end) == [f"a{n}@example.com" for n in (1, 2, 3)]


def test_a_bad_next_token_or_page_size_is_refused(sesv2):
    with pytest.raises(ClientError) as token:
        sesv2.list_suppressed_destinations(NextToken="garbage!")
    assert error_code(token) == ("InvalidNextTokenException", 400)
    with pytest.raises(ClientError) as size:
        sesv2.list_suppressed_destinations(PageSize=1001)
    assert error_code(size) == ("BadRequestException", 400)


def test_get_account_reports_the_reasons_put_account_suppression_attributes_sets(sesv2):
    reasons = sesv2.get_account()["SuppressionAttributes"]["SuppressedReasons"]
    assert reasons == ["BOUNCE", "COMPLAINT"]
    sesv2.put_account_suppression_attributes(SuppressedReasons=["COMPLAINT"])
    assert sesv2.get_account()["SuppressionAttributes"]["SuppressedReasons"] == ["COMPLAINT"]
    sesv2.put_account_suppression_attributes(SuppressedReasons=[])
    assert sesv2.get_account()["SuppressionAttributes"]["SuppressedReasons"] == []


def test_queued_faults_answer_suppression_calls(box, sesv2):
    box.suppression.add_fault("Throttling", count=2, operation="ListSuppressedDestinations")
    put(sesv2, "a@example.com")  # another operation: not affected
    for _ in range(2):
        with pytest.raises(ClientError) as throttled:
            sesv2.list_suppressed_destinations()
        assert error_code(throttled) == ("TooManyRequestsException", 429)
    assert listed(sesv2) == ["a@example.com"]
    assert box.suppression.calls["ListSuppressedDestinations"] == 3


def test_a_fault_can_wait_for_some_calls_to_succeed_first(box, sesv2):
    box.suppression.add_fault("Throttling", 1, "ListSuppressedDestinations", after=2)
    sesv2.list_suppressed_destinations()
    sesv2.list_suppressed_destinations()
    with pytest.raises(ClientError) as throttled:
        sesv2.list_suppressed_destinations()
    assert error_code(throttled) == ("TooManyRequestsException", 429)
    sesv2.list_suppressed_destinations()


def test_faults_and_the_list_are_visible_over_http(box, sesv2):
    put(sesv2, "a@example.com")
    fault = {"code": "ServiceUnavailable", "operation": "DeleteSuppressedDestination"}
    status, _ = http(box, "POST", "/_sandbox/faults", fault)
    assert status == 200
    with pytest.raises(ClientError) as down:
        sesv2.delete_suppressed_destination(EmailAddress="a@example.com")
    assert error_code(down) == ("ServiceUnavailable", 503)
    status, shown = http(box, "GET", "/_sandbox/suppression")
    assert [e["email_address"] for e in shown["entries"]] == ["a@example.com"]
    assert shown["SuppressedReasons"] == ["BOUNCE", "COMPLAINT"]


def notification_bodies(box, count: int) -> list[dict]:
    return [json.loads(json.loads(entry["body"])["Message"]) for entry in wait_for(box, count)]


def test_a_send_to_a_listed_address_is_accepted_then_bounces(feedback_box):
    sesv2 = client("sesv2", feedback_box)
    ses = client("ses", feedback_box)
    put(sesv2, SUCCESS)
    put(sesv2, "customer@example.com", "COMPLAINT")
    answer = ses.send_raw_email(
        RawMessage={"Data": raw_message(to=SUCCESS)},
        Destinations=[SUCCESS, "customer@example.com", "other@example.com"],
    )
    assert answer["MessageId"]
    [record] = feedback_box.messages()
    assert record["account_suppressed"] == ["customer@example.com", SUCCESS]
    assert feedback_box.stats()["accepted_recipients"] == 3
    [body] = notification_bodies(feedback_box, 1)
    assert body["notificationType"] == "Bounce"
    assert body["bounce"]["bounceSubType"] == "OnAccountSuppressionList"
    bounced = [r["emailAddress"] for r in body["bounce"]["bouncedRecipients"]]
    assert bounced == [SUCCESS, "customer@example.com"]
    assert body["mail"]["messageId"] == answer["MessageId"]


def test_removal_at_ses_lets_the_next_send_be_delivered(feedback_box):
    sesv2 = client("sesv2", feedback_box)
    put(sesv2, SUCCESS)
    sesv2.delete_suppressed_destination(EmailAddress=SUCCESS)
    client("ses", feedback_box).send_raw_email(RawMessage={"Data": raw_message(to=SUCCESS)})
    [body] = notification_bodies(feedback_box, 1)
    assert body["notificationType"] == "Delivery"


def test_only_the_reasons_the_account_suppresses_are_enforced(feedback_box):
    sesv2 = client("sesv2", feedback_box)
    put(sesv2, SUCCESS, "COMPLAINT")
    sesv2.put_account_suppression_attributes(SuppressedReasons=["BOUNCE"])
    client("ses", feedback_box).send_raw_email(RawMessage={"Data": raw_message(to=SUCCESS)})
    [body] = notification_bodies(feedback_box, 1)
    assert body["notificationType"] == "Delivery"
    assert "account_suppressed" not in feedback_box.messages()[0]


def test_reset_forgets_queued_faults_but_keeps_the_list(box, sesv2):
    put(sesv2, "a@example.com")
    box.suppression.add_fault("Throttling", 3)
    box.reset()
    assert listed(sesv2) == ["a@example.com"]
    assert box.suppression.calls == {"ListSuppressedDestinations": 1}
    box.suppression.reset()
    assert listed(sesv2) == []
