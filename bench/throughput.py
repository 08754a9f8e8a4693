"""Messages/second: Mailroom's pipeline (one worker dyno) vs a raw boto3 loop vs post_office.

Run by hand:  .venv/bin/python bench/throughput.py [--messages 2000]
Uses PostgreSQL database ``mailroom_bench`` (created if missing), Redis DB 8 and the SES
sandbox in its own process with no rate limit.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    BASE_DIR,
    bench_env,
    sandbox_process,
    setup_django,
    wait_for,
    worker_process,
)


def raw_boto3_loop(url: str, count: int) -> float:
    """One thread, one boto3 client, send_raw_email in a loop: the reference speed."""
    import boto3
    from botocore.config import Config
    from django.core.mail import EmailMessage

    client = boto3.client(
        "ses",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )
    data = (
        EmailMessage("Bench", "body", "from@example.com", ["to@example.com"]).message().as_bytes()
    )
    start = time.perf_counter()
    for _ in range(count):
        client.send_raw_email(
            Source="from@example.com", Destinations=["to@example.com"], RawMessage={"Data": data}
        )
    return count / (time.perf_counter() - start)


def queue_emails(count: int) -> None:
    """Insert ``count`` queued one-recipient emails without waking any worker."""
    from post_office.models import PRIORITY, STATUS, Email

    Email.objects.all().delete()
    Email.objects.bulk_create(
        Email(
            from_email="from@example.com",
            to=[f"r{i}@example.com"],
            subject=f"Bench {i}",
            message="body",
            status=STATUS.queued,
            priority=PRIORITY.medium,
        )
        for i in range(count)
    )


def sent_count() -> int:
    from post_office.models import STATUS, Email

    return Email.objects.filter(status=STATUS.sent).count()


def post_office_run(env: dict[str, str], count: int) -> float:
    """post_office's own ``send_queued_mail`` (django-ses backend), start-up time subtracted."""
    po_env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "bench.settings_post_office"}
    command = [sys.executable, "bench/post_office_send.py"]  # post_office's loop as it ships
    queue_emails(0)
    start = time.perf_counter()
    subprocess.run(command, cwd=BASE_DIR, env=po_env, check=True, capture_output=True)
    startup = time.perf_counter() - start
    queue_emails(count)
    start = time.perf_counter()
    subprocess.run(command, cwd=BASE_DIR, env=po_env, check=True, capture_output=True)
    elapsed = time.perf_counter() - start - startup
    assert sent_count() == count, f"post_office sent {sent_count()} of {count}"
    return count / elapsed


def pipeline_run(
    env: dict[str, str], count: int, queue: Callable[[int], None] = queue_emails
) -> float:
    """Queued (by ``queue``) → sent recorded, through one worker started with the Procfile's
    line."""
    from django.db.models import Max
    from django.utils import timezone

    from mailer.clients import redis_client
    from mailer.models import Delivery
    from mailer.sending import wakeup
    from project.celery import app

    queue(count)
    redis_client().flushdb()
    with worker_process(env):
        wait_for(lambda: bool(app.control.ping(timeout=0.5)), 60, poll=0.5)
        start = timezone.now()
        wakeup.enqueue_drain("transactional")
        # Poll rarely (a COUNT every 20 ms cost the 2-core machine 0.45 ms of CPU per message)
        # and take the end from the last send the workers recorded.
        wait_for(lambda: sent_count() == count, 600, poll=0.5)
    last = Delivery.objects.aggregate(last=Max("sent_at"))["last"]
    return count / (last - start).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    env = bench_env("mailroom_bench", 8)
    with sandbox_process() as url:
        env.update(AWS_SES_ENDPOINT_URL=url, MAILROOM_MAX_SEND_RATE="1000000")
        setup_django(env)
        raw = raw_boto3_loop(url, args.messages)
        post_office = post_office_run(env, args.messages)
        pipeline = pipeline_run(env, args.messages)
    print(f"messages per run          {args.messages}")
    print(f"raw boto3 loop (1 thread)  {raw:8.1f} msg/s")
    print(f"post_office send_queued    {post_office:8.1f} msg/s   ({post_office / raw:.2f}x raw)")
    print(
        f"mailroom pipeline (1 dyno) {pipeline:8.1f} msg/s   ({pipeline / raw:.2f}x raw, "
        f"{pipeline / post_office:.2f}x post_office)"
    )


if __name__ == "__main__":
    main()
