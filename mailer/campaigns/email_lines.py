"""Each recipient's queued Email as a COPY text line: a fast builder, else the general path.

The general path (Composer.compose_one, then writing.email_row) builds a Message, a headers
dict and a row tuple per recipient: about 40 µs. For the common campaign (templates of
literal text and bare ``{{ names }}``, normalised addresses, string or int values) the line
is written directly from the compiled plans and a headers JSON template around the
recipient's token: about 12 µs. Anything else for a recipient (a suppression rule, a
missing name, another value type) takes the general path, so both give the same row
(tests/mailer/campaigns/test_email_lines.py compares them).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple
from urllib.parse import quote

from mailer.campaigns import copy_text
from mailer.campaigns.composing import Composer, Pending
from mailer.campaigns.copy_text import NULL, escape
from mailer.campaigns.models import CampaignRecipient
from mailer.campaigns.plans import render_plan
from mailer.campaigns.rendering import ESCAPED, PLAIN, Templates
from mailer.campaigns.tokens import FastHeaders
from mailer.campaigns.writing import LOW, QUEUED, email_row

SENTINEL = "MailroomTokenSentinel"  # letters only: json.dumps and quote() leave it alone


class Line(NamedTuple):
    """What became of one recipient: its state, its error and its Email's line (or None)."""

    state: str
    error: str
    email: str | None


class EmailLines:
    """Builds the Email COPY line of each recipient of one composed chunk."""

    def __init__(
        self, chunk: Composer, from_email: str, stamp: datetime, *, fast: bool = True
    ) -> None:
        self._chunk = chunk
        self._from, self._stamp = escape(from_email), stamp.isoformat()
        self._raw_from, self._raw_stamp = from_email, stamp
        self._fast = _FastParts.of(chunk) if fast else None  # fast=False: the general path

    @property
    def has_fast_path(self) -> bool:
        """True when this chunk's templates and headers allow the fast builder."""
        return self._fast is not None

    def build(self, recipient: Pending, email_id: int) -> Line:
        """The recipient's Line; its Email (if any) gets ``email_id``."""
        fast = self._fast
        if fast is not None and recipient.address not in self._chunk.rules:
            line = self._fast_line(fast, recipient, email_id)
            if line is not None:
                return Line(CampaignRecipient.State.QUEUED, "", line)
        outcome = self._chunk.compose_one(recipient)
        if outcome.message is None:
            return Line(outcome.state, outcome.error, None)
        row = email_row(email_id, self._raw_from, outcome.message, self._raw_stamp)
        return Line(outcome.state, outcome.error, copy_text.line(row))

    def _fast_line(self, fast: _FastParts, recipient: Pending, email_id: int) -> str | None:
        address = recipient.address
        token = fast.headers.token(address)
        values = {**recipient.context, "email": address}
        if fast.templates.uses_unsubscribe_url:
            values["unsubscribe_url"] = fast.headers.link(token)
        subject, text, html = fast.render(values)
        if subject is None or text is None or html is None:
            return None  # a name the plan cannot fill: Django's rendering decides
        msgid = self._chunk.message_ids
        msgid = escape(msgid()) if msgid else NULL
        return (
            f"{email_id}\t{self._from}\t{escape(address)}\t\t\t{_escape_line(subject)}"
            f"\t{escape(text)}\t{escape(html)}\t{QUEUED}\t{LOW}\t{self._stamp}\t{self._stamp}"
            f"\t{fast.headers_json(token)}\t\t{msgid}\n"
        )


def _escape_line(subject: str) -> str:
    """The subject on one line (as rendering.render makes it), escaped: only \\ is left."""
    return " ".join(subject.split()).replace("\\", "\\\\")


class _FastParts:
    """The chunk's plans and the escaped headers JSON split around the token."""

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
        return cls(templates, headers, [escape(part) for part in json_parts])

    def render(self, values: dict) -> tuple[str | None, str | None, str | None]:
        """Subject, text and HTML (``""`` if none); None where a plan cannot render."""
        html = render_plan(self._html, values, ESCAPED, self._ints) if self._html else ""
        return (
            render_plan(self._subject, values, PLAIN, self._ints),
            render_plan(self._text, values, PLAIN, self._ints),
            html,
        )

    def headers_json(self, token: str) -> str:
        """The escaped headers JSON for ``token`` (its mailto copy URL-quoted, as for_token)."""
        parts = self._json
        if len(parts) == 2:
            return parts[0] + token + parts[1]
        return parts[0] + token + parts[1] + quote(token) + parts[2]
