"""SES sandbox test fixtures: sandboxes, boto3 clients without retries, a webhook receiver."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

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


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SESSandbox]]:
    """Start sandboxes with the given options; all are stopped at teardown."""
    started: list[SESSandbox] = []

    def make(**options: Any) -> SESSandbox:
        box = SESSandbox(**options).start()
        started.append(box)
        return box

    yield make
    for box in started:
        box.stop()


@pytest.fixture
def box(make_sandbox: Callable[..., SESSandbox]) -> SESSandbox:
    """An unlimited sandbox."""
    return make_sandbox()


@pytest.fixture
def ses(box: SESSandbox) -> Any:
    """A v1 (Query API) client on `box`."""
    return client("ses", box)


@pytest.fixture
def sesv2(box: SESSandbox) -> Any:
    """A v2 (REST JSON) client on `box`."""
    return client("sesv2", box)


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


@pytest.fixture
def make_receiver() -> Iterator[Callable[..., Receiver]]:
    """Start webhook receivers; all are closed at teardown."""
    started: list[Receiver] = []

    def make(statuses: list[int] | None = None) -> Receiver:
        started.append(Receiver(statuses))
        return started[-1]

    yield make
    for receiver in started:
        receiver.close()


@pytest.fixture
def receiver(make_receiver: Callable[..., Receiver]) -> Receiver:
    """A webhook receiver answering 200."""
    return make_receiver()


@pytest.fixture
def feedback_box(make_sandbox: Callable[..., SESSandbox], receiver: Receiver) -> SESSandbox:
    """A sandbox publishing simulator feedback to `receiver` at once."""
    return make_sandbox(feedback_url=receiver.url, feedback_delay=0)


SIGNED_KEYS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"
    ),
}  # fmt: skip


def verify_sns(message: dict[str, str]) -> x509.Certificate:
    """Check an SNS message's signature with the certificate at its SigningCertURL (as SNS
    subscribers do); returns the certificate. Raises InvalidSignature if it does not verify."""
    with urllib.request.urlopen(message["SigningCertURL"], timeout=5) as response:
        certificate = x509.load_pem_x509_certificate(response.read())
    keys = SIGNED_KEYS[message["Type"]]
    signed = "".join(f"{key}\n{message[key]}\n" for key in keys if key in message).encode()
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[message["SignatureVersion"]]
    signature = base64.b64decode(message["Signature"])
    certificate.public_key().verify(signature, signed, padding.PKCS1v15(), algorithm)
    return certificate


def wait_for(box: SESSandbox, count: int, timeout: float = 10.0) -> list[dict]:
    """The sandbox's published feedback once `count` messages exist and none is pending."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if len(box.notifications()) >= count and box.wait_for_feedback(end - time.monotonic()):
            return box.notifications()
        time.sleep(0.02)
    pytest.fail(f"the sandbox published {len(box.notifications())} messages, not {count}")
