"""The SQS boundary (the only bouncy module that imports boto3): receive and delete messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bouncy.exceptions import SqsError

_REGION_IN_URL = re.compile(r"https://sqs\.([a-z0-9-]+)\.amazonaws\.com")


@dataclass(frozen=True)
class SqsMessage:
    """One received SQS message: its body (the SNS JSON) and the handle that deletes it."""

    message_id: str
    receipt_handle: str
    body: str


class Queue:
    """One SQS queue, addressed by its URL."""

    def __init__(self, url: str, *, endpoint_url: str | None = None, region: str | None = None):
        self.url = url
        self._client = boto3.client(
            "sqs",
            endpoint_url=endpoint_url,
            region_name=region or region_of(url),
            config=Config(retries={"total_max_attempts": 3, "mode": "standard"},
                          connect_timeout=5, read_timeout=30),
        )

    def receive(self, *, max_messages: int, wait_seconds: int) -> list[SqsMessage]:
        """Long-poll for up to ``max_messages`` (1–10) messages."""
        reply = self._call("receive_message", QueueUrl=self.url, MaxNumberOfMessages=max_messages,
                           WaitTimeSeconds=wait_seconds)
        return [SqsMessage(m["MessageId"], m["ReceiptHandle"], m.get("Body", ""))
                for m in reply.get("Messages", [])]

    def delete(self, message: SqsMessage) -> None:
        """Delete a message once it is stored."""
        self._call("delete_message", QueueUrl=self.url, ReceiptHandle=message.receipt_handle)

    def _call(self, operation: str, **params: object) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = getattr(self._client, operation)(**params)
            return answer
        except (BotoCoreError, ClientError) as exc:
            raise SqsError(f"SQS {operation} failed: {exc}") from exc


def region_of(url: str) -> str:
    """The region in an AWS queue URL (https://sqs.<region>.amazonaws.com/…), else us-east-1."""
    found = _REGION_IN_URL.match(url)
    return found.group(1) if found else "us-east-1"
