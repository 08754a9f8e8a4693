"""The /_sandbox/ HTTP endpoints, for processes other than the sandbox's own."""

from __future__ import annotations

import http.client as httplib
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from tests.support.sandbox import http, raw_message


def test_messages_and_stats_endpoints(box, ses):
    ses.send_raw_email(RawMessage={"Data": raw_message(to="a@x.com, b@x.com")})
    status, messages = http(box, "GET", "/_sandbox/messages")
    assert status == 200
    assert [m["destinations"] for m in messages] == [["a@x.com", "b@x.com"]]
    assert messages[0]["api"] == "v1-raw" and "raw" in messages[0]
    ses.send_raw_email(RawMessage={"Data": raw_message(to="c@x.com")})
    _, last = http(box, "GET", "/_sandbox/messages?last=1")
    assert [m["destinations"] for m in last] == [["c@x.com"]]
    status, stats = http(box, "GET", "/_sandbox/stats")
    assert stats == {
        "accepted": 2,
        "accepted_recipients": 3,
        "throttled": 0,
        "rejected": 0,
        "errors": 0,
        "max_recipients_in_any_1s_window": 3,
        "notifications_published": 0,
        "notifications_delivered": 0,
        "notifications_failed": 0,
        "notifications_pending": 0,
    }


def test_reset_endpoint(box, ses):
    ses.send_raw_email(RawMessage={"Data": raw_message()})
    assert http(box, "POST", "/_sandbox/reset") == (200, {"ok": True})
    assert box.messages() == [] and box.stats()["accepted"] == 0


def test_faults_endpoint(box, ses):
    status, answer = http(box, "POST", "/_sandbox/faults", {"code": "Throttling", "count": 1})
    assert status == 200 and answer["pending"] == [
        {"code": "Throttling", "count": 1, "match": None}
    ]
    with pytest.raises(ClientError) as caught:
        ses.send_raw_email(RawMessage={"Data": raw_message()})
    assert caught.value.response["Error"]["Code"] == "Throttling"
    assert http(box, "GET", "/_sandbox/faults") == (200, [])


def test_faults_endpoint_rejects_bad_specs(box):
    assert http(box, "POST", "/_sandbox/faults", {"code": "Nope"})[0] == 400
    assert http(box, "POST", "/_sandbox/faults", {"count": 1})[0] == 400
    assert http(box, "POST", "/_sandbox/faults", {"code": "Throttling", "count": 0})[0] == 400


def test_html_page_lists_what_it_received(box, ses):
    ses.send_raw_email(RawMessage={"Data": raw_message(to="<who@x.com>", subject="<Hi & bye>")})
    status, page = http(box, "GET", "/_sandbox/")
    assert status == 200
    assert "who@x.com" in page and "sender@example.com" in page
    assert "&lt;Hi &amp; bye&gt;" in page


def test_unknown_inspection_path_is_404(box):
    assert http(box, "GET", "/_sandbox/nothing")[0] == 404


def test_connections_are_kept_alive(box):
    address = urlsplit(box.url)
    connection = httplib.HTTPConnection(address.hostname, address.port, timeout=5)
    for _ in range(3):
        connection.request("GET", "/_sandbox/stats")
        response = connection.getresponse()
        response.read()
        assert response.status == 200 and not response.will_close
    connection.close()
