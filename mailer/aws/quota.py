"""SES's send quota (``GetSendQuota``): the one reader and the one type that carries it."""

from __future__ import annotations

from dataclasses import dataclass

from mailer.aws.clients import client
from mailer.aws.errors import call


@dataclass(frozen=True)
class Quota:
    """SES's send quota: recipients per second and per rolling 24 hours."""

    max_send_rate: float
    max_24_hour_send: float
    sent_last_24_hours: float

    @property
    def exhausted(self) -> bool:
        return self.max_24_hour_send >= 0 and self.sent_last_24_hours >= self.max_24_hour_send


def get_quota() -> Quota:
    """SES v1 ``GetSendQuota``: MaxSendRate, the 24-hour quota and its use (``ses_check`` also
    uses it to prove the credentials work)."""
    answer = call(lambda: client("ses").get_send_quota())
    return Quota(
        max_send_rate=float(answer["MaxSendRate"]),
        max_24_hour_send=float(answer["Max24HourSend"]),
        sent_last_24_hours=float(answer["SentLast24Hours"]),
    )
