"""With real workers: the guard holds bulk mail while transactional mail goes out; beat runs it.

These need the bulk lane's drain to ask ``mailer.reputation.guard.bulk_allowed()`` before it
claims (``mailer.tasks.drain``).
"""

from __future__ import annotations

import time

from django.contrib.auth.models import User
from django.core.mail import send_mail
from post_office import mail
from post_office.models import PRIORITY, STATUS, Email

from mailer.reputation import actions
from mailer.reputation.models import GuardEvent
from mailer.reputation.rates import Counts
from tests.support import records
from tests.support.waiting import wait_until

UNWIRED = "bulk mail went out while held: does mailer.tasks.drain ask guard.bulk_allowed()?"
QUICK = {"MAILROOM_SWEEP_SECONDS": "1", "MAILROOM_REPUTATION_REFRESH_SECONDS": "1",
         "MAILROOM_REPUTATION_MIN_SAMPLE": "20"}


def queue_both(count: int) -> None:
    for i in range(count):
        send_mail(f"reset {i}", "x", "from@example.com", [f"user{i}@example.com"])
        mail.send([f"reader{i}@example.com"], "news@example.com", subject=f"news {i}",
                  message="x", priority=PRIORITY.low)


def sent(prefix: str) -> int:
    return Email.objects.filter(subject__startswith=prefix, status=STATUS.sent).count()


def test_a_hold_stops_bulk_but_not_transactional_mail_until_resumed(start_worker):
    actions.hold("bounce rate 9 % >= pause threshold 4 %", Counts())
    queue_both(5)
    start_worker(beat=True, env=QUICK)
    wait_until(lambda: sent("reset") == 5, 60, "transactional mail was not sent while held")
    time.sleep(3)  # three sweeps: each wakes the bulk lane, whose drain must claim nothing
    assert sent("news") == 0, UNWIRED
    assert Email.objects.filter(subject__startswith="news", status=STATUS.queued).count() == 5
    admin = User.objects.create_superuser("ops", "ops@example.com", "x")
    actions.resume(admin, "Looked at the bounces: a typo'd import, removed.")
    wait_until(lambda: sent("news") == 5, 60, "bulk mail was not sent after the resume")


def test_beat_runs_the_guard_which_holds_bulk_mail(start_worker):
    records.outcomes(records.send(40), hard=5)  # 12.5 % over 40 recipients
    start_worker(beat=True, env=QUICK)
    wait_until(lambda: GuardEvent.objects.filter(action="held").exists(), 60,
               "the beat's reputation.refresh did not hold bulk mail")
    queue_both(3)
    wait_until(lambda: sent("reset") == 3, 60, "transactional mail was not sent while held")
    time.sleep(3)
    assert sent("news") == 0, UNWIRED
