"""The demo's story: send, watch the rate, receive feedback, see suppressions, send again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.mail import EmailMessage, send_mail
from django.db.models import Count
from post_office.models import STATUS, Email

SIM = "simulator.amazonses.com"
FINAL = (STATUS.sent, STATUS.failed)


@dataclass
class Round:
    """What one round queued, how it ended, and the feedback SES sent back for it."""

    name: str
    email_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0
    feedback: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        from mailer.models import Delivery

        rows = Delivery.objects.filter(email_id__in=self.email_ids)
        states = dict(rows.values_list("state").annotate(n=Count("email_id")))
        dropped = sum(len(d) for d in rows.values_list("dropped", flat=True))
        return {
            "queued": len(self.email_ids),
            "sent": states.get("sent", 0),
            "suppressed": states.get("suppressed", 0),
            "failed": states.get("failed", 0),
            "recipients dropped": dropped,
        }

    def message_ids(self) -> list[str]:
        from mailer.models import Delivery

        rows = Delivery.objects.filter(email_id__in=self.email_ids, ses_message_id__gt="")
        return [m for m in rows.values_list("ses_message_id", flat=True) if m is not None]


def simulator_addresses(successes: int) -> list[str]:
    """The mailbox simulator's outcomes, each with a +label so every address is distinct."""
    return (
        [f"success+{i}@{SIM}" for i in range(1, successes + 1)]
        + [f"bounce+{i}@{SIM}" for i in (1, 2, 3)]
        + [f"complaint+{i}@{SIM}" for i in (1, 2)]
        + [f"ooto@{SIM}", f"suppressionlist@{SIM}"]
    )


def queue_round(name: str, addresses: list[str]) -> Round:
    """One message per address, plus one message to several recipients (to, cc, bcc)."""
    before = Email.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for address in addresses:
        send_mail(f"[{name}] Hello", "A message from the Mailroom demo.", None, [address])
    EmailMessage(
        f"[{name}] Team update",
        "To several people at once.",
        None,
        [f"success+team@{SIM}", f"Jane Bounce <bounce+team@{SIM}>"],
        cc=[f"success+cc@{SIM}"],
        bcc=[f"complaint+bcc@{SIM}"],
    ).send()
    ids = list(Email.objects.filter(id__gt=before).values_list("id", flat=True))
    return Round(name, ids)


def wait_for_round(round_: Round, show: Callable[[str], None], timeout: float = 40) -> None:
    """Wait until every email of the round has an outcome, drawing a progress bar with the
    rate in recipients SES accepted per second (what the limit counts, not messages)."""
    start = time.monotonic()
    total = len(round_.email_ids)
    while True:
        done = Email.objects.filter(id__in=round_.email_ids, status__in=FINAL).count()
        elapsed = time.monotonic() - start
        show(progress_bar(done, total, recipients_sent(round_.email_ids), elapsed))
        if done == total or elapsed > timeout:
            break
        time.sleep(0.2)
    round_.seconds = time.monotonic() - start


def recipients_sent(email_ids: list[int]) -> int:
    """Recipients SES accepted for these emails: each sent email's to, cc and bcc, less the
    recipients dropped as suppressed."""
    from mailer.models import Delivery

    rows = Delivery.objects.filter(email_id__in=email_ids, state=Delivery.State.SENT)
    total = 0
    for to, cc, bcc, dropped in rows.values_list("email__to", "email__cc", "email__bcc", "dropped"):
        total += len(to or []) + len(cc or []) + len(bcc or []) - len(dropped or [])
    return total


def progress_bar(done: int, total: int, recipients: int, elapsed: float, width: int = 30) -> str:
    filled = int(width * done / total) if total else width
    rate = f"{recipients / elapsed:5.1f} recipients/s" if elapsed >= 1 else ""
    return f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} emails done  {rate}"


def feedback_counts(round_: Round) -> dict[str, int]:
    """What came back through the webhook for this round's messages (bouncy's rows)."""
    from bouncy.models import Bounce, Complaint, Delivery, Notification

    ids = round_.message_ids()
    return {
        "notifications": Notification.objects.filter(mail_id__in=ids).count(),
        "bounces": Bounce.objects.filter(mail_id__in=ids).count(),
        "complaints": Complaint.objects.filter(mail_id__in=ids).count(),
        "deliveries": Delivery.objects.filter(mail_id__in=ids).count(),
    }


def wait_for_feedback(
    round_: Round, expected_bounces: int, expected_complaints: int, timeout: float = 20
) -> dict[str, int]:
    """Wait for the round's bounces and complaints and a delivery for every other recipient
    SES accepted (the simulator's complaints come without one); kept on the round."""
    end = time.monotonic() + timeout
    deliveries = recipients_sent(round_.email_ids) - expected_bounces - expected_complaints
    while True:
        counts = feedback_counts(round_)
        enough = (
            counts["bounces"] >= expected_bounces
            and counts["complaints"] >= expected_complaints
            and counts["deliveries"] >= deliveries
        )
        if enough or time.monotonic() > end:
            round_.feedback = counts
            return counts
        time.sleep(0.25)


def suppressions() -> list[tuple[str, str]]:
    from mailer.models import Unsubscribe

    return list(Unsubscribe.objects.order_by("address").values_list("address", "reason"))
