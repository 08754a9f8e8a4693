"""What Django's suite does not cover: each message through the queue, a real worker and SES,
parsed back from the raw MIME SES received and compared field by field with what was sent."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage as ParsedMessage
from email.mime.image import MIMEImage

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils.translation import gettext_lazy

from tests.support.mailbox import Mailroom

pytestmark = [pytest.mark.usefixtures("mailroom", "transactional_db")]

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
BINARY = bytes(range(256)) * 64


def the_message(mailroom: Mailroom) -> ParsedMessage:
    mailbox = mailroom.mailbox()
    assert len(mailbox) == 1, [m.as_string() for m in mailbox]
    return mailbox[0]


def leaves(message: ParsedMessage) -> list[ParsedMessage]:
    return [part for part in message.walk() if not part.is_multipart()]


def addresses(message: ParsedMessage, header: str) -> list[str]:
    return [str(a) for a in message[header].addresses] if message[header] else []


class TestFidelity:
    mailroom: Mailroom

    @pytest.fixture(autouse=True)
    def _empty_mailbox(self) -> None:
        self.mailroom.flush()

    def test_html_only_arrives_as_text_html(self):
        sent = EmailMessage("Hi", "<p>Hello <b>there</b></p>", "app@example.com", ["a@example.com"])
        sent.content_subtype = "html"
        assert sent.send() == 1

        got = the_message(self.mailroom)
        assert not got.is_multipart()
        assert got.get_content_type() == "text/html"
        assert got.get_content() == "<p>Hello <b>there</b></p>"

    def test_inline_images_are_related_parts_with_their_content_id(self):
        sent = EmailMultiAlternatives("Logo", "See the logo", "app@example.com", ["a@example.com"])
        sent.attach_alternative('<img src="cid:logo@example.com">', "text/html")
        sent.mixed_subtype = "related"
        image = MIMEImage(PNG, "png")
        image.add_header("Content-ID", "<logo@example.com>")
        image.add_header("Content-Disposition", "inline", filename="logo.png")
        sent.attach(image)
        sent.send()

        got = the_message(self.mailroom)
        assert got.get_content_type() == "multipart/related"
        alternative, picture = got.get_payload()
        assert [p.get_content_type() for p in alternative.get_payload()] == [
            "text/plain",
            "text/html",
        ]
        assert alternative.get_payload(1).get_content() == '<img src="cid:logo@example.com">'
        assert picture.get_content_type() == "image/png"
        assert picture["Content-ID"] == "<logo@example.com>"
        assert picture.get_content_disposition() == "inline"
        assert (picture.get_filename(), picture.get_content()) == ("logo.png", PNG)

    def test_binary_and_unicode_named_attachments_keep_bytes_names_and_types(self):
        sent = EmailMessage("Files", "Attached.", "app@example.com", ["a@example.com"])
        sent.attach("résumé 2026.pdf", BINARY, "application/pdf")
        sent.attach("データ.bin", BINARY[::-1], "application/octet-stream")
        sent.attach("notes.txt", "Grüße\nzweite Zeile\n", "text/plain")
        sent.send()

        got = the_message(self.mailroom)
        body, pdf, data, notes = leaves(got)
        assert body.get_content() == "Attached."
        assert (pdf.get_filename(), pdf.get_content_type()) == (
            "résumé 2026.pdf",
            "application/pdf",
        )
        assert pdf.get_content() == BINARY and pdf.get_content_disposition() == "attachment"
        assert (data.get_filename(), data.get_content()) == ("データ.bin", BINARY[::-1])
        assert (notes.get_filename(), notes.get_content()) == ("notes.txt", "Grüße\nzweite Zeile\n")

    def test_custom_headers_reply_to_and_lazy_strings(self):
        sent = EmailMessage(
            gettext_lazy("Subject"),
            gettext_lazy("Content"),
            '"Shop Ümlaut" <app@example.com>',
            ["Ann <ann@example.com>"],
            cc=["cc@example.com"],
            bcc=["hidden@example.com"],
            reply_to=["help@example.com", "Team <team@example.com>"],
            headers={
                "X-Campaign": "spring",
                "X-Greeting": "Grüße",
                "List-Id": "<news.example.com>",
            },
        )
        sent.send()

        got = the_message(self.mailroom)
        (record,) = self.mailroom.sandbox.messages()
        assert (got["Subject"], got.get_content()) == ("Subject", "Content")
        assert got["From"].addresses == (Address("Shop Ümlaut", addr_spec="app@example.com"),)
        assert addresses(got, "To") == ["Ann <ann@example.com>"]
        assert addresses(got, "Cc") == ["cc@example.com"]
        assert addresses(got, "Reply-To") == ["help@example.com", "Team <team@example.com>"]
        assert (got["X-Campaign"], got["X-Greeting"]) == ("spring", "Grüße")
        assert got["List-Id"] == "<news.example.com>"
        assert got["Bcc"] is None and "hidden@example.com" not in record["raw"]
        assert sorted(record["destinations"]) == [  # SES is given the checked mailboxes
            "ann@example.com",
            "cc@example.com",
            "hidden@example.com",
        ]

    def test_long_lines_arrive_whole_with_no_physical_line_over_998_bytes(self):
        body = "x" * 2000 + "\n" + "В южных морях " * 100 + "\nend"
        EmailMessage("Long", body, "app@example.com", ["a@example.com"]).send()

        got = the_message(self.mailroom)
        (record,) = self.mailroom.sandbox.messages()
        assert got.get_content() == body
        assert max(len(line.encode()) for line in record["raw"].split("\r\n")) <= 998

    def test_fifty_recipients_all_reach_ses_and_bcc_stays_hidden(self):
        to = [f"To {i} <to{i}@example.com>" for i in range(20)]
        cc = [f"cc{i}@example.com" for i in range(20)]
        bcc = [f"bcc{i}@example.com" for i in range(10)]
        EmailMessage("Many", "Hello all", "app@example.com", to, cc=cc, bcc=bcc).send()

        got = the_message(self.mailroom)
        (record,) = self.mailroom.sandbox.messages()
        assert addresses(got, "To") == to and addresses(got, "Cc") == cc
        mailboxes = [f"to{i}@example.com" for i in range(20)] + cc + bcc
        assert sorted(record["destinations"]) == sorted(mailboxes)
        assert got["Bcc"] is None and "bcc0@" not in record["raw"]

    def test_idn_domains_and_template_like_bodies_arrive_as_written(self):
        sent = EmailMessage(
            "{{ subject }}",
            "Use {{ name }} {% now %}",
            "app@bücher.example",
            ["ann@bücher.example"],
        )
        sent.send()

        got = the_message(self.mailroom)
        assert got["To"] == "ann@xn--bcher-kva.example"
        assert got["From"] == "app@xn--bcher-kva.example"
        assert (got["Subject"], got.get_content()) == ("{{ subject }}", "Use {{ name }} {% now %}")
