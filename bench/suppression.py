"""filter_batch against a million suppressed addresses: ms per batch of 100 messages, queries.

Run by hand:  .venv/bin/python bench/suppression.py [--rows 1000000] [--batches 300]
Uses PostgreSQL database ``supp_bench`` (created and migrated if missing; override with
BENCH_DATABASE_URL). The million rows are loaded once with COPY and kept for later runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_env, setup_django  # noqa: E402

BATCH = 100
DOMAINS = 5000
GOAL_MS = 10.0


def address(i: int) -> str:
    return f"user{i}@d{i % DOMAINS}.example"


def load(rows: int) -> float:
    """Fill mailer_unsubscribe with ``rows`` addresses (COPY); seconds taken, 0 if already there."""
    from django.db import connection

    from mailer.models import Unsubscribe

    if Unsubscribe.objects.count() == rows:
        return 0.0
    started = time.perf_counter()
    reasons = ("hard_bounce", "complaint", "unsubscribed", "soft_bounce_limit", "imported")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE mailer_unsubscribe")
        columns = "address, reason, scope, source, note, created_at"
        with cursor.copy(f"COPY mailer_unsubscribe ({columns}) FROM STDIN") as copy:
            for i in range(rows):
                reason = reasons[i % len(reasons)]
                scope = "bulk" if reason == "unsubscribed" else "all"
                copy.write_row((address(i), reason, scope, "bench", "", "2026-01-01T00:00:00Z"))
        cursor.execute("ANALYZE mailer_unsubscribe")
    return time.perf_counter() - started


def recipient(rows: int, rng: random.Random) -> str:
    """A recipient: about one in five is on the list; some carry a display name."""
    if rng.random() < 0.2:
        bare = address(rng.randrange(rows))
    else:
        bare = f"fresh{rng.randrange(10**9)}@x.example"
    if rng.random() < 0.1:
        bare = bare.upper()
    return f"Person {rng.randrange(1000)} <{bare}>" if rng.random() < 0.3 else bare


def batch(rows: int, rng: random.Random, first_id: int) -> list:
    """100 unsaved post_office Emails, half bulk, with 1–3 to and sometimes cc/bcc."""
    from post_office.models import PRIORITY, Email

    def some(low: int, high: int) -> list[str]:
        return [recipient(rows, rng) for _ in range(rng.randint(low, high))]

    return [
        Email(id=first_id + n, from_email="f@example.com", to=some(1, 3), cc=some(0, 1),
              bcc=some(0, 1), priority=PRIORITY.low if n % 2 else PRIORITY.medium)
        for n in range(BATCH)
    ]


def measure(rows: int, batches: int) -> tuple[list[float], list[float], set[int], int, int]:
    """Wall and CPU ms of filter_batch per batch, the query counts, recipients and drops."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mailer.suppression.filtering import filter_batch

    rng = random.Random(5)
    work = [batch(rows, rng, i * BATCH) for i in range(batches)]
    for emails in work[:20]:  # warm the index pages and the connection
        filter_batch(emails)
    timings, cpu, queries, recipients, dropped = [], [], set(), 0, 0
    for emails in work:
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            decisions = filter_batch(emails)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        queries.add(len(captured))
        recipients += sum(len(e.to) + len(e.cc) + len(e.bcc) for e in emails)
        dropped += sum(len(d.dropped) for d in decisions.values())
    return timings, cpu, queries, recipients, dropped


QUERY = (
    "EXPLAIN {options} SELECT address, reason, scope FROM mailer_unsubscribe "
    "WHERE address = ANY(%s) AND (expires_at IS NULL OR expires_at > now())"
)


def plan() -> str:
    """PostgreSQL's plan for the batch query (should be an index scan on address)."""
    from django.db import connection

    sample = [address(i) for i in range(0, 300_000, 1000)]
    with connection.cursor() as cursor:
        cursor.execute(QUERY.format(options=""), [sample])
        return "\n    ".join(row[0][:110] for row in cursor.fetchall()[:3])


def server_ms(rows: int, batches: int) -> float:
    """Median execution time inside PostgreSQL for 300 fresh addresses (EXPLAIN ANALYZE)."""
    from django.db import connection

    rng, times = random.Random(7), []
    with connection.cursor() as cursor:
        for _ in range(batches):
            keys = [address(rng.randrange(rows)) for _ in range(60)]
            keys += [f"fresh{rng.randrange(10**9)}@x.example" for _ in range(240)]
            cursor.execute(QUERY.format(options="(ANALYZE, FORMAT JSON)"), [keys])
            times.append(cursor.fetchone()[0][0]["Execution Time"])
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=300)
    args = parser.parse_args()
    setup_django(bench_env("supp_bench", redis_db=13))
    loaded = load(args.rows)
    how = f"loaded with COPY in {loaded:.1f} s" if loaded else "kept from an earlier run"
    print(f"suppressed rows: {args.rows:,} ({how})")
    timings, cpu, queries, recipients, dropped = measure(args.rows, args.batches)
    report(sorted(timings), queries, recipients / args.batches, dropped / args.batches)
    print(f"this process's CPU: median {statistics.median(cpu):.2f} ms per batch")
    print(f"inside PostgreSQL: median {server_ms(args.rows, args.batches):.2f} ms per batch query")
    print(f"plan:\n    {plan()}")


def report(timings: list[float], queries: set[int], recipients: float, dropped: float) -> None:
    median, p95 = statistics.median(timings), timings[int(len(timings) * 0.95) - 1]
    verdict = ", ".join(f"{name} {'met' if value < GOAL_MS else 'MISSED'} ({value / GOAL_MS:.2f})"
                        for name, value in (("median", median), ("p95", p95)))
    print(f"batch: {BATCH} messages, {recipients:.0f} recipients, {dropped:.0f} dropped (mean)")
    print(f"queries per batch: {sorted(queries)}")
    print(f"ms per batch: median {median:.2f}, mean {statistics.fmean(timings):.2f}, "
          f"p95 {p95:.2f}, max {timings[-1]:.2f}")
    print(f"goal < {GOAL_MS:.0f} ms per batch (ratio to goal): {verdict}")


if __name__ == "__main__":
    main()
