"""Mailroom's EMAIL_BACKEND against post_office's: queueing speed, and sending what it queued.

Run by hand:  .venv/bin/python bench/backend.py [--messages 2000]
Queueing: ``send_mass_mail`` of one-recipient messages (one call, as a site's batch job would),
and one message at a time (``send_mail`` in a loop, as web requests do), through each backend.
Sending: one worker drains what Mailroom's backend queued (stored MIME) and what post_office's
queued (rendered by post_office at send time). Uses PostgreSQL database ``mailroom_bench``
(``BENCH_DATABASE_URL``), Redis DB 8 (``BENCH_REDIS_URL``) and the sandbox in its own process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_env, sandbox_process, setup_django  # noqa: E402
from bench.throughput import pipeline_run  # noqa: E402

BACKENDS = {"mailroom": "mailer.queue.EmailBackend", "post_office": "post_office.EmailBackend"}


def messages(count: int) -> list[tuple]:
    return [(f"Bench {i}", "body", "from@example.com", [f"r{i}@example.com"]) for i in range(count)]


def queue_with(backend: str, count: int, one_by_one: bool = False) -> float:
    """Seconds to queue ``count`` messages through ``backend``."""
    from django.core.mail import get_connection, send_mail, send_mass_mail
    from post_office.models import Email

    Email.objects.all().delete()
    connection = get_connection(BACKENDS[backend])
    start = time.perf_counter()
    if one_by_one:
        for subject, body, sender, to in messages(count):
            send_mail(subject, body, sender, to, connection=connection)
    else:
        send_mass_mail(messages(count), connection=connection)
    elapsed = time.perf_counter() - start
    assert Email.objects.count() == count
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    n = args.messages
    env = bench_env("mailroom_bench", 8)
    with sandbox_process() as url:
        env.update(AWS_SES_ENDPOINT_URL=url, MAILROOM_MAX_SEND_RATE="1000000")
        setup_django(env)
        print(f"messages per run {n}")
        rates = {}
        for backend in BACKENDS:
            for one_by_one in (False, True):
                label = f"{backend} {'send_mail loop' if one_by_one else 'send_mass_mail'}"
                rates[label] = n / queue_with(backend, n, one_by_one)
                print(f"queue  {label:34} {rates[label]:8.1f} msg/s")
        for backend in BACKENDS:
            rate = pipeline_run(env, n, lambda count, b=backend: queue_with(b, count))
            rates[f"send {backend}"] = rate
            print(f"send   {backend + ' rows, 1 worker':34} {rate:8.1f} msg/s")
    for kind in ("send_mass_mail", "send_mail loop"):
        ratio = rates[f"mailroom {kind}"] / rates[f"post_office {kind}"]
        print(f"ratio  queue, {kind:28} {ratio:8.2f}x post_office")
    ratio = rates["send mailroom"] / rates["send post_office"]
    print(f"ratio  send, stored MIME vs rendered    {ratio:8.2f}x")


if __name__ == "__main__":
    main()
