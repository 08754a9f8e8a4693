"""Lasting fault switches: a share of sends answered 5xx, credentials refused for a window,
and answers held back after the send was accepted (past the client's read timeout)."""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from tests.support.sandbox import client, http, raw_message


def send(ses) -> str:
    return ses.send_raw_email(Source="from@example.com", RawMessage={"Data": raw_message()})[
        "MessageId"
    ]


def test_an_error_ratio_answers_that_share_of_sends_with_a_5xx(box):
    box.set_error_ratio(0.5)
    ses = client("ses", box)
    errors = 0
    for _ in range(200):
        try:
            send(ses)
        except ClientError as exc:
            assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 503
            errors += 1
    assert 60 <= errors <= 140
    assert box.stats()["errors"] == errors and box.stats()["accepted"] == 200 - errors
    box.set_error_ratio(0)
    send(ses)


def test_refused_credentials_last_for_their_window_and_cover_every_call(box):
    box.refuse_credentials(1.0)
    ses = client("ses", box)
    for call in (lambda: send(ses), ses.get_send_quota, client("sesv2", box).get_account):
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] in (
            "InvalidClientTokenId",
            "UnrecognizedClientException",
        )
    time.sleep(1.1)
    assert send(ses) and box.stats()["accepted"] == 1


def test_a_slow_answer_comes_after_the_send_was_accepted(box):
    box.slow_answers(1.5, count=1)
    impatient = boto3.client(
        "ses",
        endpoint_url=box.url,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(read_timeout=0.5, retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ReadTimeoutError):
        send(impatient)
    assert len(box.messages()) == 1  # SES has it, the client does not know
    assert send(impatient) and len(box.messages()) == 2  # the switch was for one answer


def test_switches_are_set_and_shown_over_http(box):
    status, shown = http(
        box,
        "POST",
        "/_sandbox/switches",
        {"error_ratio": 0.2, "refuse_credentials_for": 5, "slow_answers": {"seconds": 2}},
    )
    assert status == 200
    assert shown["error_ratio"] == 0.2 and shown["slow_remaining"] == 1
    assert 4 < shown["refusing_for"] <= 5
    assert http(box, "POST", "/_sandbox/switches", {"error_ratio": 2})[0] == 400
    box.reset()
    assert http(box, "GET", "/_sandbox/switches")[1]["error_ratio"] == 0
