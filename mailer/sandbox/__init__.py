"""An SES-compatible HTTP server (v1 Query + v2 JSON), mailbox simulator and SNS feedback."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Self, Unpack

from .account import Account
from .feedback import FeedbackConfig, FeedbackHub
from .inbound import Envelope, Inbound, InboundError
from .server import SandboxServer
from .state import Limits, SandboxState
from .suppression import AccountSuppressionList
from .topic import DEFAULT_TOPIC_ARN

__all__ = ["DEFAULT_TOPIC_ARN", "Inbound", "InboundError", "SESSandbox"]


class SESSandbox:
    """Start, inspect and stop an in-process SES sandbox.

    Mail to the mailbox simulator is answered with SNS messages POSTed to `feedback_url`,
    signed with a certificate the sandbox serves itself. `production_access`,
    `verified_identities` (None: all), `notification_topics` and `access_keys` (None: any)
    shape what the account reports to `ses_check`; `receipt_recipients` are the active receipt
    rule's recipients (empty: all; None: no active rule set). `receive()` delivers inbound mail.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        max_send_rate: float | None = None,
        max_24h_send: int | None = None,
        reported_max_send_rate: float | None = None,
        keep_raw: bool = True,
        on_accept: Callable[[dict[str, Any]], None] | None = None,
        *,
        feedback_url: str | None = None,
        topic_arn: str = DEFAULT_TOPIC_ARN,
        signature_version: str = "2",
        feedback_delay: float = 0.2,
        feedback_retries: int = 3,
        feedback_retry_delay: float = 1.0,
        production_access: bool = True,
        verified_identities: Iterable[str] | None = None,
        notification_topics: bool = True,
        access_keys: Iterable[str] | None = None,
        receipt_recipients: Iterable[str] | None = (),
    ) -> None:
        self.host = host
        self.port = port
        limits = Limits(max_send_rate, max_24h_send, reported_max_send_rate)
        config = FeedbackConfig(
            feedback_url, topic_arn, signature_version,
            feedback_delay, feedback_retries, feedback_retry_delay,
        )  # fmt: skip
        topic = topic_arn if notification_topics else None
        account = Account.build(
            production_access,
            verified_identities,
            topic,
            access_keys,
            receipt_recipients,
            topic_arn,
        )
        self.feedback = FeedbackHub(config)
        self.state = SandboxState(limits, keep_raw, on_accept, account, self.feedback)
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Serve in a daemon thread (binding the port now; port 0 picks a free one)."""
        if self._server is not None:
            raise RuntimeError("SESSandbox already started")
        self._server = SandboxServer((self.host, self.port), self.state)
        self.port = self._server.server_address[1]
        self.feedback.start(self.url)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ses-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the port and any open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self.feedback.stop()
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join()

    @property
    def url(self) -> str:
        """The endpoint_url to give boto3."""
        if self._server is None:
            raise RuntimeError("SESSandbox not started")
        return f"http://{self.host}:{self.port}"

    def messages(self) -> list[dict[str, Any]]:
        """Accepted messages, oldest first."""
        return self.state.messages()

    def stats(self) -> dict[str, int]:
        """Counters: accepted, accepted_recipients, throttled, rejected, errors, 1 s peak."""
        return self.state.stats()

    def reset(self) -> None:
        """Forget messages, counters, limit history, queued faults and the feedback log (the
        account's suppression list stays: `suppression.reset()` empties it)."""
        self.state.reset()

    @property
    def topic_arn(self) -> str:
        """The SNS topic the feedback is published on."""
        return self.feedback.topic.arn

    @property
    def cert_host(self) -> str:
        """host:port serving the signing certificate (for BOUNCY_DEV_CERT_HOSTS)."""
        return f"{self.host}:{self.port}"

    def environment(self) -> dict[str, str]:
        """The environment variables that point Mailroom at this sandbox (with DEBUG on)."""
        return {
            "AWS_SES_ENDPOINT_URL": self.url,
            "BOUNCY_DEV_CERT_HOSTS": self.cert_host,
            "BOUNCY_TOPIC_ARN": self.topic_arn,
        }

    def notifications(self) -> list[dict[str, Any]]:
        """The SNS messages published, oldest first, with each delivery attempt's answer."""
        return self.feedback.log.entries()

    def wait_for_feedback(self, timeout: float = 10.0) -> bool:
        """Wait until every queued SNS message is delivered or given up; False on timeout."""
        return self.feedback.drain(timeout)

    def redeliver(self, sns_message_id: str) -> None:
        """POST a published SNS message again, unchanged (SNS delivers at least once)."""
        self.feedback.redeliver(sns_message_id)

    def receive(self, raw: bytes, **envelope: Unpack[Envelope]) -> dict[str, Any]:
        """Receive ``raw`` as SES would and publish its signed ``Received`` notification.

        ``envelope``: ``recipients``, ``sender``, ``verdicts`` (e.g. ``{"spam": "FAIL"}``) and
        ``encoding`` (``BASE64`` or ``UTF8``), as in ``Inbound``. Returns the SNS and SES ids;
        the signed body is in ``notifications()`` (and POSTed to the feedback URL, if any).
        """
        return self.feedback.receive(Inbound(raw, **envelope))

    def send_subscription_confirmation(self) -> dict[str, Any]:
        """POST a SubscriptionConfirmation; the subscription is pending until it is confirmed."""
        return self.feedback.request_confirmation()

    def certificate_pem(self) -> bytes:
        """The PEM certificate the sandbox signs with (made on first use)."""
        return self.feedback.signer().pem

    @property
    def suppression(self) -> AccountSuppressionList:
        """The account-level suppression list (enforced on every send) and its API's faults."""
        return self.state.suppression

    def add_fault(self, code: str, count: int = 1, match: str | None = None) -> None:
        """Answer the next `count` sends (with a recipient containing `match`) with `code`."""
        self.state.add_fault(code, count, match)

    def set_error_ratio(self, ratio: float, code: str = "ServiceUnavailable") -> None:
        """Answer this share of sends with `code` (a 5xx by default) until set back to 0."""
        self.state.switches.set_error_ratio(ratio, code)

    def refuse_credentials(self, seconds: float) -> None:
        """Answer every request with InvalidClientTokenId for `seconds` from now."""
        self.state.switches.refuse_credentials(seconds)

    def slow_answers(self, seconds: float, count: int = 1) -> None:
        """Accept the next `count` sends but answer each only after `seconds`."""
        self.state.switches.slow_answers(seconds, count)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
