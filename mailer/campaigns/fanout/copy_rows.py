"""Each recipient's queued Email as a binary COPY row: a fast builder, else the general path.

The general path (Composer.compose_one, then writing.email_row) builds a Message, a headers
dict and a row tuple per recipient: about 40 µs. For the common campaign (templates of
literal text and bare ``{{ names }}``, normalised addresses, string or int values) the row
is written directly from the compiled plans and a headers JSON template around the
recipient's token: about 12 µs. Anything else for a recipient (a suppression rule, a
missing name, another value type) takes the general path, so both give the same row
(tests/mailer/campaigns/test_email_rows.py compares them).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple
from urllib.parse import quote

from mailer.campaigns.fanout import copy_binary
from mailer.campaigns.fanout.composing import Composer, Pending
from mailer.campaigns.fanout.copy_binary import EMPTY, NULL, text
from mailer.campaigns.fanout.plans import render_plan
from mailer.campaigns.fanout.render import ESCAPED, PLAIN, Templates
from mailer.campaigns.fanout.tokens import FastHeaders
from mailer.campaigns.fanout.writing import LOW, QUEUED, email_encoders, email_row
from mailer.campaigns.models import CampaignRecipient

COLUMN_COUNT = (15).to_bytes(2, "big")  # writing.COLUMNS
SENTINEL = "MailroomTokenSentinel"  # letters only: json.dumps and quote() leave it alone


class Composed(NamedTuple):
    """What became of one recipient: its state, its error and its Email's row (or None)."""

    state: str
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
        return b"".join((
            COLUMN_COUNT, self._id(email_id), self._from, text(address), EMPTY, EMPTY,
            text(" ".join(subject.split())), text(body), text(html), self._middle,
            fast.headers_jsonb(token), EMPTY, text(msgid()) if msgid else NULL,
        ))


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

    def render(self, values: dict) -> tuple[str | None, str | None, str | None]:
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
