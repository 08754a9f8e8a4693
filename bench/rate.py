"""Account-wide send rate: Mailroom's shared limiter vs Celery's per-worker rate_limit, K × R.

Run by hand:  .venv/bin/python bench/rate.py [--seconds 20] [--workers 1 2 4] [--rates 14 100]
For each R and K worker processes (``celery worker --concurrency 1`` each, like K dynos), queue
R × seconds recipients (1- and 3-recipient messages alternately) and send them to the SES
sandbox in its own process, enforcing R recipients/s as SES does (one-second bucket, real
``Throttling``). Prints the steady accepted rate / R, throttled requests, the most recipients
accepted in any 1-s window and whether all mail was sent. Uses PostgreSQL database
``mailroom_bench_rate`` (created if missing) and Redis DB 12 (emptied).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    bench_env,
    procfile_worker_command,
    sandbox_process,
    setup_django,
    wait_for,
    worker_process,
)

MODES = ("mailroom", "celery")


@dataclass
class Run:
    """One K × R × mode measurement."""

    mode: str
    workers: int
    rate: float
    span: float
    steady: float
    throttled: int
    peak: int
    sent: int
    total: int

    def row(self) -> str:
        all_sent = "yes" if self.sent == self.total else f"no ({self.total - self.sent} lost)"
        return (f"{self.mode:<9} {self.workers:>2} {self.rate:>5g} {self.span:>7.1f} "
                f"{self.steady / self.rate:>9.3f} {self.throttled:>9} {self.peak:>6}  {all_sent}")


HEADER = "mode       K     R  span s  steady/R  throttled  max1s  all sent"


def recipients(i: int) -> list[str]:
    """Alternately 1 and 3 recipients (the SES simulator's success address)."""
    count = 3 if i % 2 else 1
    return [f"success+{i}.{n}@simulator.amazonses.com" for n in range(count)]


def queue_mail(rate: float, seconds: float) -> list[int]:
    """Replace the queue with enough mail for ``seconds`` at ``rate`` (2 recipients average)."""
    from post_office.models import PRIORITY, STATUS, Email

    Email.objects.all().delete()
    emails = Email.objects.bulk_create(
        Email(from_email="bench@example.com", to=recipients(i), subject=f"Rate {i}",
              message="body", status=STATUS.queued, priority=PRIORITY.medium)
        for i in range(max(2, round(rate * seconds / 2)))
    )
    return [email.id for email in emails]


def sandbox_get(url: str, path: str):
    with urllib.request.urlopen(url + path, timeout=30) as response:
        return json.load(response)


def sandbox_reset(url: str) -> None:
    request = urllib.request.Request(url + "/_sandbox/reset", method="POST")
    urllib.request.urlopen(request, timeout=5).close()


def worker_command(index: int, mode: str) -> list[str]:
    """The Procfile's worker line, one process, a unique node name (and the bench task)."""
    command = procfile_worker_command()
    command[command.index("--concurrency") + 1] = "1"
    command += ["-n", f"rate{index}@%h", "-l", "warning"]
    return command + (["-I", "bench.celery_rate"] if mode == "celery" else [])


def wait_for_workers(count: int) -> None:
    from project.celery import app

    wait_for(lambda: len(app.control.ping(timeout=0.5)) >= count, 120, poll=0.5)


def start_sending(mode: str, rate: float, ids: list[int], workers: int) -> None:
    """Mailroom: wake drains (they chain). Celery: one task per email, rate_limit per worker."""
    from mailer.sending import wakeup
    from project.celery import app

    if mode == "mailroom":
        for _ in range(workers):
            wakeup.enqueue_drain("transactional")
        return
    replies = app.control.rate_limit("bench.send_one", f"{rate:g}/s", reply=True, timeout=2)
    assert len(replies) >= workers, f"rate_limit reached {len(replies)} of {workers} workers"
    for email_id in ids:
        app.send_task("bench.send_one", args=[email_id], queue="mailroom")


def finished(mode: str, total: int, last_sweep: list[float]) -> bool:
    """All mail sent or failed; for Mailroom, sweep every 2 s as beat would (retries)."""
    from post_office.models import STATUS, Email

    from mailer import tasks

    if mode == "mailroom" and time.monotonic() - last_sweep[0] > 2:
        last_sweep[0] = time.monotonic()
        tasks.sweep()
    return Email.objects.filter(status__in=(STATUS.sent, STATUS.failed)).count() == total


def steady_rate(messages: list[dict]) -> tuple[float, float]:
    """(span s, recipients/s accepted in the middle 80 % of the span)."""
    times = sorted((m["received_at"], len(m["destinations"])) for m in messages)
    start, end = times[0][0], times[-1][0]
    span = end - start
    lo, hi = start + span * 0.1, end - span * 0.1
    middle = sum(n for at, n in times if lo <= at < hi)
    return span, middle / (hi - lo) if hi > lo else 0.0


def measure(url: str, env: dict[str, str], mode: str, workers: int, rate: float,
            seconds: float) -> Run:
    """Queue the mail, start K workers, send everything, read the sandbox's figures."""
    from post_office.models import STATUS, Email

    from mailer.clients import redis_client
    from mailer.pacing import quota

    redis_client().flushdb()
    sandbox_reset(url)
    quota.refresh()  # as a worker does at start: the limiter paces at SES's MaxSendRate
    ids = queue_mail(rate, seconds)
    limit = {"MAILROOM_MAX_SEND_RATE": "" if mode == "mailroom" else "1000000"}
    with ExitStack() as stack:
        for i in range(workers):
            stack.enter_context(worker_process({**env, **limit}, worker_command(i, mode)))
        wait_for_workers(workers)
        start_sending(mode, rate, ids, workers)
        last_sweep = [time.monotonic()]
        wait_for(lambda: finished(mode, len(ids), last_sweep), seconds * 4 + 120, poll=0.2)
    stats = sandbox_get(url, "/_sandbox/stats")
    span, steady = steady_rate(sandbox_get(url, "/_sandbox/messages"))
    sent = Email.objects.filter(status=STATUS.sent).count()
    return Run(mode, workers, rate, span, steady, stats["throttled"],
               stats["max_recipients_in_any_1s_window"], sent, len(ids))


def point_at(url: str) -> None:
    """This process's SES settings, for the quota read."""
    from django.conf import settings

    from mailer import aws

    settings.AWS_SES_ENDPOINT_URL = settings.AWS_SES_REGION_ENDPOINT_URL = url
    settings.MAILROOM_MAX_SEND_RATE = None
    aws.reset_client()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="mail per run, at R")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--rates", type=float, nargs="+", default=[14.0, 100.0])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    args = parser.parse_args()
    env = bench_env("mailroom_bench_rate", 12)
    setup_django(env)
    print(HEADER, flush=True)
    for rate in args.rates:
        with sandbox_process("--rate", f"{rate:g}") as url:
            point_at(url)
            env["AWS_SES_ENDPOINT_URL"] = url
            for mode in args.modes:
                for workers in args.workers:
                    print(measure(url, env, mode, workers, rate, args.seconds).row(), flush=True)


if __name__ == "__main__":
    main()
