"""Bench: received replies (SES ``Received``, SNS action, base64) through the webhook, per second.

Run by hand against a disposable database whose name contains "bench" (created, migrated and
flushed here), like bench/webhook.py whose signing helpers it uses:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bouncy_bench \\
        .venv/bin/python bench/replies.py [N]

Two figures per size (2 KB, 50 KB, 140 KB of message): the webhook's accept rate (verify and
store the notification; SNS waits at most 15 s and retries) and the feedback batch's rate
(``process_pending``: parse, store the ReceivedMessage, link by Message-ID, answer: an Email
queued). Each reply comes from its own sender, so every one is answered.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from email.message import EmailMessage

from webhook import CERT_URL, TOPIC, ensure_database, make_signer, sign

REPLY_ADDRESS = "no-reply@example.com"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for name, value in {
    "DJANGO_SETTINGS_MODULE": "project.settings.base",
    "BOUNCY_TOPIC_ARN": TOPIC,
    "LOG_LEVEL": "WARNING",
    "MAILROOM_REPLY_ADDRESSES": REPLY_ADDRESS,
}.items():
    os.environ.setdefault(name, value)
SIZES = (2_000, 50_000, 140_000)
BATCH = 100
ROUNDS = 5


def reply(index: int, size: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"person{size}-{index}@people.example"
    mail["To"] = REPLY_ADDRESS
    mail["Subject"] = "Re: Your order"
    mail["Message-ID"] = f"<reply-{size}-{index}@people.example>"
    mail["In-Reply-To"] = f"<sent-{index}@example.com>"
    mail.set_content(("Where is my parcel? " * (size // 20 + 1))[:size])
    return bytes(mail)


def received(raw: bytes, index: int, size: int) -> str:
    verdict = {"status": "PASS"}
    return json.dumps({
        "notificationType": "Received",
        "receipt": {"timestamp": "2026-12-02T07:00:00.000Z", "recipients": [REPLY_ADDRESS],
                    **{f"{v}Verdict": verdict for v in ("spam", "virus", "spf", "dkim")},
                    "action": {"type": "SNS", "topicArn": TOPIC, "encoding": "BASE64"}},
        "mail": {"timestamp": "2026-12-02T07:00:00.000Z", "messageId": f"bench{size}x{index}",
                 "source": f"person{size}-{index}@people.example", "destination": [REPLY_ADDRESS]},
        "content": base64.b64encode(raw).decode(),
    })  # fmt: skip


def main(count: int) -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bouncy import processing, sns
    from mailer.replies.models import Reply

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    key, pem = make_signer()
    sns.cache_certificate(CERT_URL, pem)
    client = Client(HTTP_HOST="127.0.0.1")

    def via_view(body: bytes) -> None:
        response = client.post("/mail/bouncy/", data=body, content_type="text/plain")
        assert response.status_code == 200, response.content

    try:
        for size in SIZES:
            bodies = [sign(key, received(reply(i, size), i, size), "2")[0] for i in range(count)]
            start = time.perf_counter()
            for body in bodies:
                via_view(body)
            seconds = time.perf_counter() - start
            print(
                f"{size // 1000:>4} KB replies, webhook accepts         {count / seconds:5.0f}/s"
                f"  ({1000 * seconds / count:.1f} ms per reply; body {len(bodies[0]) // 1024} KiB)"
            )
            start = time.perf_counter()
            while processing.process_pending(BATCH).notifications:
                pass
            seconds = time.perf_counter() - start
            print(
                f"{size // 1000:>4} KB replies, batch applies + answers  {count / seconds:5.0f}/s"
                f"  ({1000 * seconds / count:.1f} ms per reply, batches of {BATCH})"
            )
        answered = Reply.objects.filter(answer__isnull=False).count()
        print(f"answered {answered} of {Reply.objects.count()} replies")
    finally:
        call_command("flush", interactive=False, verbosity=0)
    print(
        f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} CPUs (figures drop when the machine is busy)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
