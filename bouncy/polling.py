"""Service: run SQS messages (SNS-wrapped SES feedback) through the pipeline, then delete them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bouncy import pipeline
from bouncy.exceptions import Rejection
from bouncy.sqs import Queue, SqsMessage

logger = logging.getLogger(__name__)


@dataclass
class PollCounts:
    """Messages seen by one or more rounds, by result."""

    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    failed: int = 0

    def add(self, other: PollCounts) -> None:
        for name in ("stored", "duplicate", "rejected", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def poll_once(queue: Queue, *, max_messages: int = 10, wait_seconds: int = 20) -> PollCounts:
    """One receive; each message is deleted only after it is stored (or found already stored)."""
    counts = PollCounts()
    for message in queue.receive(max_messages=max_messages, wait_seconds=wait_seconds):
        result = _handle(message)
        setattr(counts, result, getattr(counts, result) + 1)
        if result in (pipeline.Status.STORED, pipeline.Status.DUPLICATE):
            queue.delete(message)
    return counts


def _handle(message: SqsMessage) -> str:
    """Process one message; rejected or failed ones stay in the queue for its redrive policy."""
    try:
        outcome = pipeline.process(message.body.encode("utf-8", "replace"), any_age=True)
    except Rejection as exc:
        logger.warning("bouncy: SQS message %s rejected: %s", message.message_id, exc)
        return "rejected"
    except Exception:
        logger.exception("bouncy: SQS message %s failed; left in the queue", message.message_id)
        return "failed"
    return outcome.status
