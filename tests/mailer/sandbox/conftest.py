"""Fixtures for the SES sandbox tests: sandboxes on 127.0.0.1 and boto3 clients without retries."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
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
