"""The SES sandbox from outside, as tests drive it: boto3 clients without retries, its
/_sandbox/ endpoints over HTTP, raw messages, a webhook receiver, and waiting for its feedback."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.config import Config

from mailer.sandbox import SESSandbox

# total_max_attempts=1 disables botocore's retries; {"max_attempts": 1} would still retry once.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


def client(service: str, box: SESSandbox, region: str = "eu-west-1") -> Any:
    """A boto3 client for `service` ("ses" or "sesv2") pointed at the sandbox."""
    return boto3.client(
        service,
        endpoint_url=box.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRIES,
    )


def http(box: SESSandbox, method: str, path: str, payload: object = None) -> tuple[int, Any]:
    """Call a /_sandbox/ endpoint; returns (status, decoded JSON or text)."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(box.url + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read()
    text = body.decode()
    return status, json.loads(text) if text[:1] in "[{" else text


def post(box: SESSandbox, path: str, body: bytes) -> tuple[int, Any, bytes]:
    """POST raw bytes; returns (status, headers, body) whatever the status."""
    request = urllib.request.Request(box.url + path, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def raw_message(to: str = "to@example.com", extra: str = "", subject: str = "Hello") -> bytes:
    """A small raw message."""
    return (
        f"From: Sender <sender@example.com>\r\nTo: {to}\r\n{extra}Subject: {subject}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nBody\r\n"
    ).encode()


class Receiver:
    """A real HTTP server on 127.0.0.1 recording each POST; answers `statuses` in turn, then 200."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[Message, bytes]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/mail/bouncy/"

    def messages(self) -> list[dict[str, str]]:
        """The JSON bodies received, in order."""
        with self.lock:
            return [json.loads(body) for _, body in self.received]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append((self.headers, body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(box: SESSandbox, count: int, timeout: float = 10.0) -> list[dict]:
    """The sandbox's published feedback once `count` messages exist and none is pending."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if len(box.notifications()) >= count and box.wait_for_feedback(end - time.monotonic()):
            return box.notifications()
        time.sleep(0.02)
    pytest.fail(f"the sandbox published {len(box.notifications())} messages, not {count}")


def at(text: str) -> float:
    """Unix time of an ISO date-time (UTC), as the sandbox's stored entries take it."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def trust_feedback_from(box: SESSandbox, settings: Any) -> None:
    """Point the SES clients at ``box`` and let bouncy trust its signed feedback (its topic, its
    certificate host; DEBUG on, as dev cert hosts need)."""
    from mailer import aws

    settings.DEBUG = True
    settings.BOUNCY_DEV_CERT_HOSTS = [box.cert_host]
    settings.BOUNCY_TOPIC_ARN = [box.topic_arn]
    settings.AWS_SES_ENDPOINT_URL = settings.AWS_SES_REGION_ENDPOINT_URL = box.url
    aws.reset_client()
