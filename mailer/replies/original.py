"""The original MIME of a received message: stored inline, or fetched from S3 when asked for.

Only an operator's request fetches from S3 (never the webhook): the S3 action's notification
names the bucket and key, and the one boto3 client setup (``mailer.aws``) reads it.
"""

from __future__ import annotations

from bouncy.inbound import ReceiptAction
from bouncy.models import ReceivedMessage
from mailer.aws import account
from mailer.exceptions import SESError

MAX_BYTES = 40 * 1024 * 1024  # SES receiving accepts messages up to 40 MB


class OriginalUnavailable(Exception):
    """The original cannot be shown; the message says why in words."""


def original(message: ReceivedMessage) -> bytes:
    """The raw message bytes, or raise ``OriginalUnavailable`` with the reason."""
    if message.raw is not None:
        return bytes(message.raw)
    action = message.action
    bucket, key = action.get("bucketName"), action.get("objectKey")
    if action.get("type") != ReceiptAction.S3 or not (bucket and key):
        raise OriginalUnavailable("SES did not include the message and did not store it in S3.")
    try:
        data = account.s3_object(bucket, key, MAX_BYTES)
    except SESError as exc:
        raise OriginalUnavailable(f"S3 refused s3://{bucket}/{key}: {exc}") from exc
    if len(data) > MAX_BYTES:
        raise OriginalUnavailable(f"s3://{bucket}/{key} is over {MAX_BYTES} bytes.")
    return data
