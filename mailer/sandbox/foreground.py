"""Run the sandbox in the foreground: shared command-line options, serve until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable
from typing import Any

from . import SESSandbox
from .topic import DEFAULT_TOPIC_ARN

DEFAULT_PORT = 8025


def add_arguments(parser: argparse.ArgumentParser, feedback_url: str | None = None) -> None:
    """The options of `python -m mailer.sandbox` and `manage.py ses_sandbox`."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--rate", type=float, default=None, help="max recipients per second")
    parser.add_argument("--quota", type=int, default=None, help="max recipients per 24 h")
    parser.add_argument(
        "--reported-rate", type=float, default=None, help="MaxSendRate to report, if not --rate"
    )
    parser.add_argument("--no-keep-raw", action="store_true", help="do not store raw messages")
    parser.add_argument(
        "--feedback-url", default=feedback_url, help="where simulator feedback is POSTed (SNS)"
    )
    parser.add_argument("--topic-arn", default=DEFAULT_TOPIC_ARN, help="the SNS topic's ARN")
    parser.add_argument("--signature-version", choices=("1", "2"), default="2")
    parser.add_argument(
        "--feedback-delay", type=float, default=0.2, help="seconds before feedback is POSTed"
    )


def build(options: dict[str, Any]) -> SESSandbox:
    """A sandbox (not started) from parsed options."""
    return SESSandbox(
        options["host"],
        options["port"],
        options["rate"],
        options["quota"],
        options["reported_rate"],
        keep_raw=not options["no_keep_raw"],
        feedback_url=options["feedback_url"] or None,
        topic_arn=options["topic_arn"],
        signature_version=options["signature_version"],
        feedback_delay=options["feedback_delay"],
    )


def serve(box: SESSandbox, announce: Callable[[SESSandbox], None]) -> None:
    """Start `box`, call `announce`, and serve until SIGINT or SIGTERM."""
    stopping = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stopping.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        with box:
            announce(box)
            while not stopping.wait(1.0):
                pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
