"""Queued post_office Email rows for composed messages: binary COPY on PostgreSQL, else the ORM.

Each recipient's queued Email as a binary COPY row: a fast builder, else the general path.

The general path (Composer.compose_one, then email_row) builds a Message, a headers
dict and a row tuple per recipient: about 40 µs. For the common campaign (templates of
literal text and bare ``{{ names }}``, normalised addresses, string or int values) the row
is written directly from the compiled plans and a headers JSON template around the
recipient's token: about 12 µs. Anything else for a recipient (a suppression rule, a
missing name, another value type) takes the general path, so both give the same row
(tests/mailer/campaigns/fanout/test_copy_rows.py compares them).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from django.db import connection
from post_office.models import PRIORITY, STATUS, Email
from psycopg import sql

from mailer.campaigns.fanout import copy_binary
from mailer.campaigns.fanout.composing import Composer, Message, Pending
from mailer.campaigns.fanout.copy_binary import EMPTY, NULL, text
from mailer.campaigns.fanout.headers import FastHeaders
from mailer.campaigns.fanout.render import ESCAPED, PLAIN, Templates, render_plan
from mailer.campaigns.models import CampaignRecipient

COLUMNS = (
    "id",
    "from_email",
    "to",
    "cc",
    "bcc",
    "subject",
    "message",
    "html_message",
    "status",
    "priority",
    "created",
    "last_updated",
    "headers",
    "backend_alias",
    "message_id",
)
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
    emails = Email.objects.bulk_create(
        [
            Email(
                from_email=from_email,
                to=[m.to],
                subject=m.subject,
                message=m.text,
                html_message=m.html,
                headers=m.headers,
                priority=PRIORITY.low,
                status=STATUS.queued,
                message_id=m.message_id,
            )
            for m in messages
        ]
    )
    return [e.id for e in emails]


def _copy(from_email: str, messages: Sequence[Message], now: datetime) -> list[int]:
    ids = allocate_ids(len(messages))
    rows = (email_row(id_, from_email, m, now) for id_, m in zip(ids, messages, strict=True))
    copy_rows(Email._meta.db_table, COLUMNS, rows)
    return ids


def email_row(id_: int, from_email: str, m: Message, now: datetime) -> bytes:
    """The binary COPY row (COLUMNS) of one queued, low-priority Email."""
    values = (
        id_,
        from_email,
        m.to,
        "",
        "",
        m.subject,
        m.text,
        m.html,
        QUEUED,
        LOW,
        now,
        now,
        json.dumps(m.headers),
        "",
        m.message_id,
    )
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


COLUMN_COUNT = (15).to_bytes(2, "big")  # len(COLUMNS)
SENTINEL = "MailroomTokenSentinel"  # letters only: json.dumps and quote() leave it alone


class Composed(NamedTuple):
    """What became of one recipient: its state, its error and its Email's row (or None)."""

    state: CampaignRecipient.State
    error: str
    email: bytes | None


class EmailRows:
    """Builds the Email COPY row of each recipient of one composed chunk."""

    def __init__(
        self, chunk: Composer, from_email: str, stamp: datetime, *, fast: bool = True
    ) -> None:
        self._chunk, self._from_email, self._stamp = chunk, from_email, stamp
        encoders = email_encoders()
        self._id = encoders[0]
        # Columns 1 and 8-11 are the same in every row: from, status, priority, two stamps.
        self._from = encoders[1](from_email)
        self._middle = b"".join(
            (encoders[8](QUEUED), encoders[9](LOW), encoders[10](stamp), encoders[11](stamp))
        )
        self._fast = _FastParts.of(chunk) if fast else None  # fast=False: the general path

    @property
    def has_fast_path(self) -> bool:
        """True when this chunk's templates and headers allow the fast builder."""
        return self._fast is not None

    def build(self, recipient: Pending, email_id: int) -> Composed:
        """The recipient's Composed; its Email (if any) gets ``email_id``."""
        fast = self._fast
        if fast is not None and recipient.address not in self._chunk.rules:
            row = self._fast_row(fast, recipient, email_id)
            if row is not None:
                return Composed(CampaignRecipient.State.QUEUED, "", row)
        outcome = self._chunk.compose_one(recipient)
        if outcome.message is None:
            return Composed(outcome.state, outcome.error, None)
        row = email_row(email_id, self._from_email, outcome.message, self._stamp)
        return Composed(outcome.state, outcome.error, row)

    def _fast_row(self, fast: _FastParts, recipient: Pending, email_id: int) -> bytes | None:
        address = recipient.address
        token = fast.headers.token(address)
        values = {**recipient.context, "email": address}
        if fast.templates.uses_unsubscribe_url:
            values["unsubscribe_url"] = fast.headers.link(token)
        subject, body, html = fast.render(values)
        if subject is None or body is None or html is None:
            return None  # a name the plan cannot fill: Django's rendering decides
        msgid = self._chunk.message_ids
        return b"".join(
            (
                COLUMN_COUNT,
                self._id(email_id),
                self._from,
                text(address),
                EMPTY,
                EMPTY,
                text(" ".join(subject.split())),
                text(body),
                text(html),
                self._middle,
                fast.headers_jsonb(token),
                EMPTY,
                text(msgid()) if msgid else NULL,
            )
        )


class _FastParts:
    """The chunk's plans and the headers JSON split around the token."""

    def __init__(self, templates: Templates, headers: FastHeaders, json_parts: list[str]) -> None:
        self.templates, self.headers, self._json = templates, headers, json_parts
        plans = templates.plans
        self._subject, self._text = plans["subject"], plans["text"]
        self._html = plans.get("html")
        self._ints = templates.plain_ints

    @classmethod
    def of(cls, chunk: Composer) -> _FastParts | None:
        """The fast parts when every template has a plan and the headers are the fast ones."""
        templates, headers = chunk.templates, chunk.headers
        if templates is None or not isinstance(headers, FastHeaders):
            return None
        parts = {"subject", "text"} | ({"html"} if templates.html is not None else set())
        if not parts <= templates.plans.keys():
            return None
        json_parts = json.dumps(headers.for_token(SENTINEL)).split(SENTINEL)
        if len(json_parts) not in (2, 3):  # the https link, and the mailto link if set
            return None
        return cls(templates, headers, json_parts)

    def render(self, values: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
        """Subject, text and HTML (``""`` if none); None where a plan cannot render."""
        html = render_plan(self._html, values, ESCAPED, self._ints) if self._html else ""
        return (
            render_plan(self._subject, values, PLAIN, self._ints),
            render_plan(self._text, values, PLAIN, self._ints),
            html,
        )

    def headers_jsonb(self, token: str) -> bytes:
        """The headers for ``token`` as a jsonb field (its mailto copy URL-quoted, as for_token)."""
        parts = self._json
        if len(parts) == 2:
            return copy_binary.jsonb(parts[0] + token + parts[1])
        return copy_binary.jsonb(parts[0] + token + parts[1] + quote(token) + parts[2])
