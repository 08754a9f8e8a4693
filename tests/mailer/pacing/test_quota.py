"""Quota refresh from a real SES endpoint: rate, override, headroom, fallback, daily pause."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings
from django.core.mail import EmailMessage
from django.core.management import call_command

from mailer import aws
from mailer.exceptions import SESAccountError
from mailer.pacing import quota
from mailer.pacing.limiter import get_limiter, get_state
from mailer.sandbox import SESSandbox
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db  # the quota read is kept in the database

ACCESS_DENIED = (
    b'<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>'
    b"<Code>AccessDenied</Code><Message>User is not authorized to perform ses:GetSendQuota"
    b"</Message></Error><RequestId>1</RequestId></ErrorResponse>"
)


class DenyingHandler(BaseHTTPRequestHandler):
    """An SES endpoint for an IAM user without ses:GetSendQuota: 403 AccessDenied."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(ACCESS_DENIED)))
        self.end_headers()
        self.wfile.write(ACCESS_DENIED)

    def log_message(self, *args) -> None:
        pass


def point_ses_at(settings, url: str) -> None:
    settings.AWS_SES_ENDPOINT_URL = url
    settings.AWS_SES_REGION_ENDPOINT_URL = url
    aws.reset_client()


@pytest.fixture
def sandbox(settings, redis_client) -> Iterator[Callable[..., SESSandbox]]:
    """Start an SES sandbox with the given limits and point SES at it."""
    boxes: list[SESSandbox] = []
    settings.MAILROOM_MAX_SEND_RATE = None
    quota._warned.clear()

    def start(**limits) -> SESSandbox:
        box = SESSandbox(**limits).start()
        boxes.append(box)
        point_ses_at(settings, box.url)
        return box

    yield start
    for box in boxes:
        box.stop()
    aws.reset_client()


@pytest.fixture
def denying_endpoint(settings, redis_client) -> Iterator[None]:
    settings.MAILROOM_MAX_SEND_RATE = None
    quota._warned.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), DenyingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    point_ses_at(settings, f"http://127.0.0.1:{server.server_address[1]}")
    yield
    server.shutdown()
    server.server_close()
    aws.reset_client()


def send(*recipients: str) -> None:
    aws.send(EmailMessage("Hi", "Body", "from@example.com", list(recipients)))


def test_refresh_stores_ses_max_send_rate(sandbox):
    sandbox(max_send_rate=14)
    assert quota.refresh() == 14
    assert get_limiter().rate() == 14
    assert get_state().quota().max_send_rate == 14


def test_headroom_scales_ses_rate(sandbox, settings):
    settings.MAILROOM_RATE_HEADROOM = 0.9
    sandbox(max_send_rate=14)
    assert quota.refresh() == pytest.approx(12.6)


def test_override_beats_ses_rate(sandbox, settings):
    settings.MAILROOM_MAX_SEND_RATE = 5.0
    sandbox(max_send_rate=14)
    assert quota.refresh() == 5


def test_unreadable_quota_falls_back_to_one_per_second_and_says_so_once(
    denying_endpoint, caplog
):
    with caplog.at_level(logging.WARNING, logger="mailer.pacing.quota"):
        assert quota.refresh() == 1.0
        assert quota.refresh() == 1.0
    warnings = [r for r in caplog.records if r.name == "mailer.pacing.quota"]
    assert len(warnings) == 1
    assert "AccessDenied" in warnings[0].getMessage()
    assert "ses:GetSendQuota" in warnings[0].getMessage()


def test_unreadable_quota_keeps_the_last_rate_read(denying_endpoint):
    get_limiter().set_rate(14)
    assert quota.refresh() == 14


def test_unreadable_quota_uses_the_override(denying_endpoint, settings):
    settings.MAILROOM_MAX_SEND_RATE = 7.0
    assert quota.refresh() == 7


def test_unreachable_endpoint_falls_back(settings, redis_client):
    settings.MAILROOM_MAX_SEND_RATE = None
    point_ses_at(settings, "http://127.0.0.1:1")
    assert quota.refresh() == 1.0
    aws.reset_client()


def test_used_up_daily_quota_pauses_and_room_resumes(sandbox):
    box = sandbox(max_24h_send=2)
    send("a@example.com", "b@example.com")
    quota.refresh()
    paused = quota.current_pause()
    assert paused is not None and "24-hour quota used up (2 of 2" in paused.reason
    box.reset()
    quota.refresh()
    assert quota.current_pause() is None


def test_pause_ends_by_itself(redis_client, settings):
    settings.MAILROOM_QUOTA_PAUSE_SECONDS = 0.5
    quota.pause("Daily message quota exceeded.")
    assert quota.current_pause() is not None
    time.sleep(0.7)
    assert quota.current_pause() is None


@pytest.mark.django_db
def test_mailer_status_json_shows_pause_rate_and_counters(redis_client, settings, capsys):
    settings.MAILROOM_QUOTA_PAUSE_SECONDS = 60
    get_limiter().set_rate(14)
    quota.pause("Daily message quota exceeded.")
    quota.count("throttled")
    quota.count("throttled")
    call_command("mailer_status", "--json")
    status = json.loads(capsys.readouterr().out)
    assert {"queued", "sending", "sent", "failed", "suppressed"} <= status.keys()
    assert status["paused"] == 1 and status["pause_reason"] == "Daily message quota exceeded."
    assert status["paused_until"] > "2000"
    assert status["send_rate"] == 14
    assert status["ses_throttled"] == 2 and status["ses_rejected"] == 0


def test_mailer_status_says_an_account_pause_fails_nothing_and_shows_the_policy(
    redis_client, settings, capsys
):
    settings.MAILROOM_RETRY_FOR = timedelta(hours=6)
    quota.pause_account(SESAccountError("InvalidClientTokenId: bad key", "InvalidClientTokenId"))
    call_command("mailer_status", "--json")
    status = json.loads(capsys.readouterr().out)
    assert (status["paused"], status["pause_kind"], status["retry_for"]) == (1, "account", "6h")
    assert "InvalidClientTokenId" in status["pause_reason"]
    assert isinstance(status["stranded"], int) and isinstance(status["retrying"], int)
    call_command("mailer_status")
    text = capsys.readouterr().out
    assert "for 6h, then failed with the last error" in text
    assert "PAUSED (account)" in text and "no email fails" in text


def test_refresh_runs_on_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["mailer-refresh-quota"]
    assert entry["task"] == "mailer.refresh_quota"


def test_worker_reads_the_quota_at_start(start_worker, redis_client):
    # The fixture's sandbox reports MaxSendRate 1000; no override, half headroom: 500.
    start_worker(concurrency=1, env={"MAILROOM_MAX_SEND_RATE": "", "MAILROOM_RATE_HEADROOM": "0.5"})
    wait_until(lambda: get_limiter().rate() == 500, 60, "the worker stored SES's MaxSendRate")
