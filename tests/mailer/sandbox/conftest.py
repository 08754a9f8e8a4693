"""SES sandbox test fixtures: sandboxes, boto3 clients without retries, a webhook receiver
(the helpers behind them are in tests/support/sandbox.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mailer.sandbox import SESSandbox
from tests.support.sandbox import Receiver, client


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
