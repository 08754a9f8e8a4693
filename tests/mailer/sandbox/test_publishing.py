"""Delivery to the webhook: delay, retries as SNS does them, and the log of what was answered."""

from __future__ import annotations

import time

from tests.support.sandbox import client, http, raw_message, wait_for

BOUNCE = "bounce@simulator.amazonses.com"


def send(box, to: str = BOUNCE) -> str:
    return client("ses", box).send_raw_email(RawMessage={"Data": raw_message(to=to)})["MessageId"]


def fast_retries(make_sandbox, url: str, **options):
    return make_sandbox(feedback_url=url, feedback_delay=0, feedback_retry_delay=0.05, **options)


def test_server_errors_are_retried_until_answered(make_sandbox, make_receiver):
    receiver = make_receiver([500, 503])
    box = fast_retries(make_sandbox, receiver.url)
    send(box)
    [entry] = wait_for(box, 1)
    assert [a["status"] for a in entry["attempts"]] == [500, 503, 200]
    assert entry["outcome"] == "delivered" and entry["status"] == 200
    bodies = [body for _, body in receiver.received]
    assert len(bodies) == 3 and len(set(bodies)) == 1  # the same message, redelivered


def test_a_client_error_is_final(make_sandbox, make_receiver):
    receiver = make_receiver([403])
    box = fast_retries(make_sandbox, receiver.url)
    send(box)
    [entry] = wait_for(box, 1)
    assert [a["status"] for a in entry["attempts"]] == [403]
    assert entry["outcome"] == "failed"


def test_retries_stop_after_the_configured_count(make_sandbox, make_receiver):
    receiver = make_receiver([500] * 10)
    box = fast_retries(make_sandbox, receiver.url, feedback_retries=2)
    send(box)
    [entry] = wait_for(box, 1)
    assert [a["status"] for a in entry["attempts"]] == [500, 500, 500]
    assert entry["outcome"] == "failed"
    assert box.stats()["notifications_failed"] == 1


def test_an_unreachable_webhook_is_logged_with_the_reason(make_sandbox, make_receiver):
    receiver = make_receiver()
    url = receiver.url
    receiver.close()
    box = fast_retries(make_sandbox, url, feedback_retries=1)
    send(box)
    [entry] = wait_for(box, 1)
    assert [a["status"] for a in entry["attempts"]] == [None, None]
    assert all(a["error"] for a in entry["attempts"])
    assert entry["outcome"] == "failed"


def test_feedback_waits_for_the_delay(make_sandbox, receiver):
    box = make_sandbox(feedback_url=receiver.url, feedback_delay=0.4)
    started = time.monotonic()
    send(box)
    time.sleep(0.2)
    assert receiver.received == []
    wait_for(box, 1)
    assert time.monotonic() - started >= 0.4 and len(receiver.received) == 1


def test_without_a_feedback_url_it_is_logged_as_not_sent(box):
    send(box)
    [entry] = box.notifications()
    assert entry["outcome"] == "not sent" and entry["attempts"] == []
    assert entry["kind"] == "Bounce" and entry["recipients"] == [BOUNCE]


def test_the_log_is_in_stats_json_and_the_page(feedback_box, receiver):
    message_id = send(feedback_box, f"{BOUNCE}, success@simulator.amazonses.com")
    wait_for(feedback_box, 2)
    stats = feedback_box.stats()
    assert (stats["notifications_published"], stats["notifications_delivered"]) == (2, 2)
    status, entries = http(feedback_box, "GET", "/_sandbox/notifications")
    assert status == 200 and [e["ses_message_id"] for e in entries] == [message_id] * 2
    assert {e["kind"] for e in entries} == {"Bounce", "Delivery"}
    assert all(e["status"] == 200 and e["url"] == receiver.url for e in entries)
    _, last = http(feedback_box, "GET", "/_sandbox/notifications?last=1")
    assert len(last) == 1
    _, page = http(feedback_box, "GET", "/_sandbox/")
    assert "SNS messages published" in page and "delivered (200)" in page and BOUNCE in page


def test_reset_forgets_the_log(feedback_box):
    send(feedback_box)
    wait_for(feedback_box, 1)
    feedback_box.reset()
    assert feedback_box.notifications() == []
    assert feedback_box.stats()["notifications_published"] == 0
