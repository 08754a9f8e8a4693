"""Sync with SES's account-level suppression list: entries imported per second (full, again,
incremental) and addresses pushed per second, against the SES sandbox over HTTP.

Run by hand:  .venv/bin/python bench/ses_suppressions.py [--entries 20000] [--push 2000]
Uses PostgreSQL database ``ses_supp_bench`` (created and migrated if missing; override with
BENCH_DATABASE_URL); its suppression tables are emptied first. The sandbox runs in this process
(its list is filled directly, not through 20,000 HTTP calls), so it shares this process's CPU:
the figures are a floor for Mailroom's side. Real SES answers these calls at a low rate of its
own, which, not Mailroom, bounds a real sync.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_env, setup_django  # noqa: E402

START = 1_700_000_000.0


def empty_tables() -> None:
    from mailer.models import SesListed, SesRemoval, SesSyncState, Unsubscribe

    for model in (Unsubscribe, SesListed, SesRemoval, SesSyncState):
        model.objects.all().delete()


def fill(box, entries: int) -> None:
    """SES lists ``entries`` addresses; a tenth are already suppressed locally (hard bounce)."""
    from mailer.models import Unsubscribe

    for n in range(entries):
        box.suppression.put(f"user{n}@d{n % 500}.example", "BOUNCE", when=START + n)
    local = [
        Unsubscribe(address=f"user{n}@d{n % 500}.example", reason="hard_bounce")
        for n in range(0, entries, 10)
    ]
    Unsubscribe.objects.bulk_create(local)


def timed(label: str, count: int, call) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    rate = count / seconds if seconds else float("inf")
    print(f"{label:<34} {seconds:7.2f} s  {rate:9,.0f}/s  (CPU {cpu_seconds:.2f} s)")
    print(f"{'':<34} {result.summary()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--push", type=int, default=2_000)
    args = parser.parse_args()
    env = bench_env("ses_supp_bench", redis_db=13)
    setup_django(env)
    from django.conf import settings

    from mailer.aws.clients import reset_client
    from mailer.models import Unsubscribe
    from mailer.sandbox import SESSandbox
    from mailer.suppression.ses_sync import pull, push

    with SESSandbox() as box:
        settings.AWS_SES_ENDPOINT_URL = settings.AWS_SES_REGION_ENDPOINT_URL = box.url
        reset_client()
        empty_tables()
        fill(box, args.entries)
        print(f"SES lists {args.entries:,} addresses ({args.entries // 10:,} already local)")
        timed("full pull (first sync)", args.entries, lambda: pull.pull(full=True))
        timed("full pull again (nothing new)", args.entries, lambda: pull.pull(full=True))
        for n in range(100):
            box.suppression.put(f"late{n}@example.com", "COMPLAINT", when=time.time())
        timed("incremental pull (100 new)", 100, pull.pull)
        fresh = [
            Unsubscribe(address=f"local{n}@example.org", reason="manual") for n in range(args.push)
        ]
        Unsubscribe.objects.bulk_create(fresh)
        timed(f"push ({args.push:,} PutSuppressedDestination)", args.push, push.push)
    print("(machine shared with other jobs: figures vary run to run)")


if __name__ == "__main__":
    main()
