"""Write composed messages as queued post_office Email rows: COPY on PostgreSQL, else the ORM."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection
from post_office.models import PRIORITY, STATUS, Email
from psycopg import sql

from mailer.campaigns.fanout import copy_binary
from mailer.campaigns.fanout.composing import Message

COLUMNS = ("id", "from_email", "to", "cc", "bcc", "subject", "message", "html_message",
           "status", "priority", "created", "last_updated", "headers", "backend_alias",
           "message_id")
LOW, QUEUED = int(PRIORITY.low), int(STATUS.queued)
COPY_BATCH = 1024  # rows per write: small enough to overlap, large enough to amortise


@functools.cache
def email_encoders() -> tuple[copy_binary.Encoder, ...]:
    """The binary COPY encoder of each of COLUMNS (from post_office's Email fields)."""
    return copy_binary.encoders(Email, COLUMNS)


def write_emails(from_email: str, messages: Sequence[Message], now: datetime) -> list[int]:
    """Insert one queued, low-priority Email per message; their ids, in order."""
    if not messages:
        return []
    if connection.vendor != "postgresql":
        return _bulk_create(from_email, messages)
    return _copy(from_email, messages, now)


def _bulk_create(from_email: str, messages: Sequence[Message]) -> list[int]:
    emails = Email.objects.bulk_create([
        Email(from_email=from_email, to=[m.to], subject=m.subject, message=m.text,
              html_message=m.html, headers=m.headers, priority=PRIORITY.low,
              status=STATUS.queued, message_id=m.message_id)
        for m in messages
    ])
    return [e.id for e in emails]


def _copy(from_email: str, messages: Sequence[Message], now: datetime) -> list[int]:
    ids = allocate_ids(len(messages))
    rows = (email_row(id_, from_email, m, now) for id_, m in zip(ids, messages, strict=True))
    copy_rows(Email._meta.db_table, COLUMNS, rows)
    return ids


def email_row(id_: int, from_email: str, m: Message, now: datetime) -> bytes:
    """The binary COPY row (COLUMNS) of one queued, low-priority Email."""
    values = (id_, from_email, m.to, "", "", m.subject, m.text, m.html, QUEUED, LOW, now, now,
              json.dumps(m.headers), "", m.message_id)
    return copy_binary.encode(email_encoders(), values)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[bytes]) -> None:
    """COPY binary rows (mailer.campaigns.fanout.copy_binary) into ``table`` (PostgreSQL only).

    Raw COPY because the ORM costs tens of microseconds per row (model instances, field
    preparation, one huge INSERT to parse). Rows go to the server in batches while ``rows``
    (possibly a generator) is still being produced: the server inserts one batch while
    Python makes the next. (psycopg's QueuedLibpqWriter, which sends from a thread, was
    slower here: the two threads fight over the GIL.) COPY cannot return ids, so callers
    take a block of ids from the sequence first (allocate_ids).
    """
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), names
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(statement) as copy:
            batch = [copy_binary.SIGNATURE]  # psycopg adds the trailer, not the signature
            for row in rows:
                batch.append(row)
                if len(batch) >= COPY_BATCH:
                    copy.write(b"".join(batch))
                    batch.clear()
            copy.write(b"".join(batch))


def allocate_ids(count: int) -> list[int]:
    """``count`` new Email ids from the table's own sequence (safe beside other inserts)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Email._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return [row[0] for row in cursor.fetchall()]
