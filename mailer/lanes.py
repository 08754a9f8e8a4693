"""The two lanes of mail: transactional (send_mail and friends) and bulk (campaigns).

A lane is derived from post_office's ``priority``: ``low`` is bulk, anything else is
transactional, so every existing post_office call lands in a lane without a new field.
"""

from __future__ import annotations

from typing import Literal

from django.db.models import Q
from post_office.models import PRIORITY

Lane = Literal["transactional", "bulk"]
TRANSACTIONAL: Lane = "transactional"
BULK: Lane = "bulk"
LANES: tuple[Lane, ...] = (TRANSACTIONAL, BULK)


def lane_filter(lane: Lane) -> Q:
    """The Email rows of one lane (``priority`` NULL counts as transactional)."""
    bulk = Q(priority=PRIORITY.low)
    return bulk if lane == BULK else ~bulk


def lane_of(priority: int | None) -> Lane:
    return BULK if priority == PRIORITY.low else TRANSACTIONAL


def queue_name(lane: Lane) -> str:
    """The Celery queue that carries this lane's wake-ups."""
    return f"mailroom.{lane}"
