"""Header-only parsing of raw messages and the MIME built for simple sends."""

from __future__ import annotations

from email import message_from_bytes

from mailer.sandbox import mime
from mailer.sandbox.submission import unique


def test_summarize_reads_headers_only():
    raw = (
        b'From: "Doe, Jane" <jane@example.com>\r\nTo: a@x.com,\r\n\tB <b@x.com>\r\n'
        b"Bcc: c@x.com\r\nSubject: =?utf-8?b?w6lsw6k=?=\r\n\r\nTo: body@x.com\r\n"
    )
    summary = mime.summarize(raw)
    assert summary.sender == "jane@example.com"
    assert summary.recipients == ["a@x.com", "b@x.com", "c@x.com"]
    assert summary.subject == "élé"


def test_summarize_with_lf_line_endings_and_no_body():
    summary = mime.summarize(b"To: a@x.com\nSubject: plain\n")
    assert (summary.sender, summary.recipients, summary.subject) == (None, ["a@x.com"], "plain")


def test_unique_keeps_first_spelling():
    assert unique(["A@x.com", "a@x.com", " b@x.com ", ""]) == ["A@x.com", "b@x.com"]


def test_build_simple_html_only():
    raw = mime.build_simple("f@x.com", ["t@x.com"], [], ["r@x.com"], "S", None, "<b>hi</b>")
    message = message_from_bytes(raw)
    assert message.get_content_type() == "text/html"
    assert message["Reply-To"] == "r@x.com"
