"""Rate (recipient-weighted token bucket), daily quota and the 1-second peak statistic."""

from __future__ import annotations

import threading
import time

import pytest
from botocore.exceptions import ClientError

from mailer.sandbox.limits import SlidingSum, TokenBucket
from tests.support.sandbox import client, raw_message


def send(ses, *recipients: str) -> str:
    """Send one raw message; returns "ok" or the error code."""
    try:
        ses.send_raw_email(RawMessage={"Data": raw_message()}, Destinations=list(recipients))
    except ClientError as err:
        return err.response["Error"]["Code"]
    return "ok"


def test_burst_is_cut_at_the_rate_then_refills(make_sandbox):
    box = make_sandbox(max_send_rate=5)
    ses = client("ses", box)
    results = [send(ses, f"r{i}@example.com") for i in range(20)]
    accepted = results.count("ok")
    assert 5 <= accepted <= 6
    assert results.count("Throttling") == 20 - accepted
    assert box.stats()["throttled"] == 20 - accepted
    assert len(box.messages()) == accepted
    time.sleep(1.0)
    assert [send(ses, f"s{i}@example.com") for i in range(5)] == ["ok"] * 5


def test_throttle_error_shape_v1_and_v2(make_sandbox):
    box = make_sandbox(max_send_rate=1)
    send(client("ses", box), "a@example.com")
    with pytest.raises(ClientError) as v1:
        client("ses", box).send_raw_email(RawMessage={"Data": raw_message()})
    assert v1.value.response["Error"] == {
        "Type": "Sender",
        "Code": "Throttling",
        "Message": "Maximum sending rate exceeded.",
    }
    assert v1.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as v2:
        client("sesv2", box).send_email(Content={"Raw": {"Data": raw_message()}})
    assert v2.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert v2.value.response["Error"]["Message"] == "Maximum sending rate exceeded."
    assert v2.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_tokens_are_recipients(make_sandbox):
    box = make_sandbox(max_send_rate=4)
    ses = client("ses", box)
    assert send(ses, "a@x.com", "b@x.com", "c@x.com", "A@x.com") == "ok"  # 3 unique: 1 left
    assert send(ses, "d@x.com", "e@x.com") == "Throttling"
    assert send(ses, "d@x.com") == "ok"
    assert box.stats()["accepted_recipients"] == 4


def test_daily_quota(make_sandbox):
    box = make_sandbox(max_24h_send=3)
    ses, sesv2 = client("ses", box), client("sesv2", box)
    assert send(ses, "a@x.com", "b@x.com") == "ok"
    assert send(ses, "c@x.com", "d@x.com") == "Throttling"  # would make 4 > 3
    assert send(ses, "c@x.com") == "ok"
    with pytest.raises(ClientError) as v1:
        ses.send_raw_email(RawMessage={"Data": raw_message()})
    assert v1.value.response["Error"]["Message"] == "Daily message quota exceeded."
    with pytest.raises(ClientError) as v2:
        sesv2.send_email(Content={"Raw": {"Data": raw_message()}})
    assert v2.value.response["Error"]["Code"] == "LimitExceededException"
    assert v2.value.response["Error"]["Message"] == "Daily message quota exceeded."
    assert ses.get_send_quota()["SentLast24Hours"] == 3.0
    assert box.stats()["rejected"] == 3 and box.stats()["throttled"] == 0


def test_reset_refills_the_bucket(make_sandbox):
    box = make_sandbox(max_send_rate=1)
    ses = client("ses", box)
    assert [send(ses, "a@x.com"), send(ses, "b@x.com")] == ["ok", "Throttling"]
    box.reset()
    assert box.stats()["throttled"] == 0
    assert send(ses, "c@x.com") == "ok"


def test_peak_recipients_in_one_second(box, ses):
    for _ in range(3):
        send(ses, "a@x.com", "b@x.com")
    assert box.stats()["max_recipients_in_any_1s_window"] == 6


def test_concurrent_senders_are_all_counted(box):
    clients = [client("ses", box) for _ in range(4)]

    def work(ses) -> None:
        for i in range(25):
            send(ses, f"r{i}@x.com")

    threads = [threading.Thread(target=work, args=(ses,)) for ses in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert box.stats()["accepted"] == 100
    assert len({m["message_id"] for m in box.messages()}) == 100


def test_bucket_refills_continuously():
    bucket = TokenBucket(rate=10, now=0.0)
    assert all(bucket.take(1, 0.0) for _ in range(10))
    assert not bucket.take(1, 0.05)  # half a token
    assert bucket.take(1, 0.1)
    assert bucket.take(5, 10.0) and bucket.tokens == 5  # capped at one second's worth


def test_bucket_lets_a_message_bigger_than_one_second_through_when_full():
    bucket = TokenBucket(rate=2, now=0.0)
    assert bucket.take(5, 0.0) and bucket.tokens == -3
    assert not bucket.take(1, 1.0)  # paying back the debt: -3 + 2 = -1
    assert bucket.take(1, 2.0)


def test_unlimited_bucket():
    bucket = TokenBucket(rate=None, now=0.0)
    assert all(bucket.take(1000, 0.0) for _ in range(100))


def test_sliding_sum_tracks_the_peak():
    window = SlidingSum(1.0)
    window.add(0.0, 2)
    window.add(0.5, 3)
    window.add(1.2, 4)  # (0.2, 1.2]: 3 + 4
    assert (window.total, window.peak) == (7, 7)
    window.add(1.5, 1)  # (0.5, 1.5]: 4 + 1
    assert (window.total, window.peak) == (5, 7)
    assert window.current(5.0) == 0


def error_of(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_what_ses_refuses_whatever_the_moment(make_sandbox):
    """50 recipients at most, 7-bit addresses with a domain, 10 MB raw through v1."""
    box = make_sandbox()
    ses = client("ses", box)
    fifty = [f"r{i}@example.com" for i in range(50)]
    assert send(ses, *fifty) == "ok"

    def raw(data: bytes, *to: str):
        return lambda: ses.send_raw_email(RawMessage={"Data": data}, Destinations=list(to))

    assert error_of(raw(raw_message(), *fifty, "one-more@example.com")) == (
        "InvalidParameterValue",
        "Recipient count exceeds 50.",
    )
    assert error_of(raw(raw_message(), "django")) == (
        "InvalidParameterValue",
        "Missing final '@domain'",
    )
    code, text = error_of(raw(raw_message(), "ann@bücher.example"))
    assert code == "InvalidParameterValue" and "Punycode" in text
    assert send(ses, "ann@xn--bcher-kva.example") == "ok"
    big = raw_message() + b"x" * (10 * 1024 * 1024)
    code, text = error_of(raw(big, "a@example.com"))
    assert code == "MessageRejected" and "more than 10485760 bytes long" in text
    assert len(box.messages()) == 2
