"""Campaign benchmark: fan-out rows/s and peak memory; transactional latency during a drain.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/camp_bench \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/campaign.py \\
        [--sizes 25000,50000,100000] [--drain 50000] [--rate 100] [--probes 60] \\
        [--interval 0.25] [--skip-drain] [--chunk 2000] [--repeat 3]

Uses its own database (created and migrated here; its tables are emptied) and its own Redis
database (flushed: never point it at one a test run or another benchmark uses).
Fan-out runs the same runs of steps a worker's ``campaigns.fan_out`` task runs, in a fresh
process per run so each peak RSS is its own; each size runs ``--repeat`` times and the median
is reported, with a pure-Python calibration time per run (this machine's speed varies by up to
2x from minute to minute: compare runs with similar calibration). The drain part starts a real
Celery worker (2 processes) and an in-process SES sandbox enforcing ``--rate``, then times
send_mail → accepted by the sandbox.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/camp_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
GOAL = 20_000  # rows/s, issue 6
QUIET_MS = 60.0  # the calibration this machine gives when nothing else slows it down
TABLES = ("campaigns_campaignrecipient, campaigns_campaign, campaigns_audiencemember, "
          "campaigns_audience, post_office_log, mailer_delivery, post_office_email")


def setup_django() -> None:
    """Production-like settings: DEBUG off (with DEBUG on Django keeps every SQL statement)."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS)
    os.environ.update(DEBUG="0", SECRET_KEY="bench-only", ALLOWED_HOSTS="localhost",
                      SECURE_SSL_REDIRECT="0")
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings.test"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def ensure_database() -> None:
    """Create the benchmark database if missing, then migrate it."""
    import psycopg

    url = urlsplit(os.environ.setdefault("DATABASE_URL", DEFAULT_DB))
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def reset(size: int) -> int:
    """Empty the tables, then add a campaign (sending) to ``size`` members; returns its id."""
    from django.db import connection

    from mailer.campaigns.audiences import analyze_members
    from mailer.campaigns.models import Audience, Campaign

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        audience = Audience.objects.create(name=f"bench {size}")
        cursor.execute(
            "INSERT INTO campaigns_audiencemember (audience_id, address, context) "
            "SELECT %s, 'user' || g || '@example.com', "
            "jsonb_build_object('first_name', 'User ' || g, 'n', g) FROM generate_series(1, %s) g",
            [audience.id, size],
        )
    analyze_members()  # what the CSV import does after loading an audience
    campaign = Campaign.objects.create(
        name=f"bench {size}", from_email="News <news@example.com>", audience=audience,
        subject="Hello {{ first_name }}", list_id="bench.example.com", status="sending",
        text="Dear {{ first_name }},\nnumber {{ n }}.\nUnsubscribe: {{ unsubscribe_url }}\n",
        html="<p>Dear {{ first_name }}, number {{ n }}.</p><a href='{{ unsubscribe_url }}'>x</a>",
    )
    return campaign.id


def fan_out(campaign_id: int) -> float:
    """Run fan-out tasks' runs of steps to the end, as a worker does; seconds taken."""
    from mailer.campaigns.conf import get_campaign_settings
    from mailer.campaigns.fanout.steps import Step, run

    steps = get_campaign_settings().steps_per_task
    start = time.perf_counter()
    while run(campaign_id, steps) is Step.MORE:
        pass
    return time.perf_counter() - start


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_pid() -> int:
    """The PostgreSQL server process serving this process's connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local process so far; 0.0 if /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fanout_child(size: int) -> None:
    """One size in this fresh process: print rows/s and the RSS peak as JSON."""
    setup_django()
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    campaign_id = reset(size)
    calibration = calibration_ms()
    backend = backend_pid()
    before, cpu, db_cpu = maxrss_mb(), time.process_time(), process_cpu(backend)
    seconds = fan_out(campaign_id)
    from post_office.models import Email

    queued = Email.objects.count()
    cpu, db_cpu = time.process_time() - cpu, process_cpu(backend) - db_cpu
    print(json.dumps({"size": size, "queued": queued, "seconds": round(seconds, 2),
                      "rows_per_s": round(queued / seconds), "cpu_s": round(cpu, 2),
                      "db_cpu_s": round(db_cpu, 2), "calibration_ms": calibration,
                      "rss_before_mb": round(before, 1), "rss_peak_mb": round(maxrss_mb(), 1)}))


def calibration_ms() -> float:
    """A fixed pure-Python workload: how fast this machine runs right now (it varies a lot)."""
    start = time.perf_counter()
    sum(i * i for i in range(1_000_000))
    return round((time.perf_counter() - start) * 1000, 1)


def run_fanout(sizes: list[int], repeat: int) -> list[dict]:
    """Each size ``repeat`` times, each in a fresh process; one line per run, then medians."""
    results = []
    for size in sizes:
        runs = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, __file__, "--fanout-child", str(size)],
                                 capture_output=True, text=True, check=True, cwd=BASE_DIR)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            runs.append(row)
            print(f"fan-out {size:>7}: {row['rows_per_s']:>6} rows/s ({row['seconds']} s, "
                  f"CPU {row['cpu_s']} s, database server CPU {row['db_cpu_s']} s), "
                  f"peak RSS {row['rss_peak_mb']} MB "
                  f"(+{row['rss_peak_mb'] - row['rss_before_mb']:.1f} MB during fan-out); "
                  f"calibration {row['calibration_ms']} ms", flush=True)
        rates = sorted(r["rows_per_s"] for r in runs)
        median = statistics.median(rates)
        scaled = statistics.median(r["rows_per_s"] * r["calibration_ms"] / QUIET_MS for r in runs)
        print(f"fan-out {size:>7}: median {median:.0f} rows/s, best {rates[-1]}, worst "
              f"{rates[0]} over {repeat} runs; median / goal (20,000) = {median / GOAL:.2f}; "
              f"roughly scaled to a quiet machine (calibration {QUIET_MS:.0f} ms; linear "
              f"scaling overstates slow runs): {scaled:.0f} rows/s "
              f"= {scaled / GOAL:.2f} x goal", flush=True)
        results += runs
    return results


class Probes:
    """send_mail times and the sandbox's accept times of the probe messages."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.accepted: dict[str, float] = {}
        self.bulk = 0
        self.lock = threading.Lock()

    def on_accept(self, record: dict) -> None:
        with self.lock:
            if record["subject"].startswith("probe "):
                self.accepted[record["subject"]] = time.time()
            else:
                self.bulk += len(record["destinations"])


# shared: one worker (2 processes) on every queue; dedicated: the same plus a 1-process
# worker on the transactional queue only, so a transactional wake-up never waits for a bulk batch.
TOPOLOGIES = {
    "shared": [("mailroom,mailroom.transactional,mailroom.bulk,mailroom.control", 2)],
    "dedicated": [("mailroom,mailroom.transactional,mailroom.bulk,mailroom.control", 2),
                  ("mailroom.transactional", 1)],
}


def start_workers(topology: str, sandbox_url: str, rate: float) -> list[subprocess.Popen]:
    env = {**os.environ, "AWS_SES_ENDPOINT_URL": sandbox_url, "MAILROOM_MAX_SEND_RATE": str(rate),
           "DJANGO_SETTINGS_MODULE": "project.settings.test"}
    workers = []
    for i, (queues, processes) in enumerate(TOPOLOGIES[topology]):
        cmd = [sys.executable, "-m", "celery", "-A", "project", "worker", "-Q", queues,
               "--concurrency", str(processes), "-n", f"bench{i}@%h", "--without-gossip",
               "--without-mingle", "--without-heartbeat", "-l", "warning"]
        with Path(f"/tmp/bench-campaign-worker{i}.log").open("wb") as log:  # the child keeps it
            workers.append(subprocess.Popen(cmd, env=env, cwd=BASE_DIR, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True))
    return workers


def run_drain(topology: str, size: int, rate: float, probes: int, interval: float) -> dict:
    """Fan out ``size``, drain it at ``rate`` with real workers, time transactional probes."""
    import redis
    from django.core.mail import send_mail

    from mailer.sandbox import SESSandbox

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    campaign_id = reset(size)
    fan_out(campaign_id)
    watch = Probes()
    sandbox = SESSandbox(max_send_rate=rate, keep_raw=False, on_accept=watch.on_accept).start()
    workers = start_workers(topology, sandbox.url, rate)
    try:
        _wait(lambda: watch.bulk >= rate * 3, 120, "the campaign did not start draining")
        bulk_start, start = watch.bulk, time.time()
        for i in range(probes):
            watch.sent[f"probe {i}"] = time.time()
            send_mail(f"probe {i}", "x", "app@example.com", [f"probe{i}@example.org"])
            time.sleep(interval)
        _wait(lambda: len(watch.accepted) == probes, 30, "not every probe was accepted")
        bulk_rate = (watch.bulk - bulk_start) / (time.time() - start)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        stats = sandbox.stats()
        sandbox.stop()
    latencies = sorted(watch.accepted[s] - t for s, t in watch.sent.items())
    return {"topology": topology, "size": size, "rate": rate, "probes": probes,
            "bulk_rate": round(bulk_rate, 1),
            "p50_s": round(statistics.median(latencies), 3),
            "p99_s": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 3),
            "max_s": round(latencies[-1], 3), "throttled": stats.get("throttled", 0)}


def _wait(predicate, timeout: float, message: str) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise SystemExit(f"bench: {message} within {timeout:.0f} s")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25000,50000,100000")
    parser.add_argument("--drain", type=int, default=50000, help="campaign size for latency")
    parser.add_argument("--rate", type=float, default=100.0, help="recipients/s (the limit)")
    parser.add_argument("--probes", type=int, default=60)
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between probes")
    parser.add_argument("--topology", choices=["shared", "dedicated", "both"], default="both")
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--chunk", type=int, help="MAILROOM_CAMPAIGN_CHUNK_SIZE (else settings)")
    parser.add_argument("--repeat", type=int, default=3, help="fan-out runs per size")
    parser.add_argument("--fanout-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.chunk:  # read by the settings in this process and the children it starts
        os.environ["MAILROOM_CAMPAIGN_CHUNK_SIZE"] = str(args.chunk)
    if args.fanout_child:
        return fanout_child(args.fanout_child)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    ensure_database()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results = run_fanout(sizes, args.repeat)
    peaks = [r["rss_peak_mb"] for r in results]
    print(f"peak RSS across sizes: {min(peaks)}-{max(peaks)} MB (flat if these are close)")
    topologies = ["shared", "dedicated"] if args.topology == "both" else [args.topology]
    for topology in [] if args.skip_drain else topologies:
        drain = run_drain(topology, args.drain, args.rate, args.probes, args.interval)
        print(f"{topology} workers: transactional latency during a {drain['size']} campaign at "
              f"{drain['rate']}/s: p50 {drain['p50_s']} s, p99 {drain['p99_s']} s, max "
              f"{drain['max_s']} s ({drain['probes']} probes); the campaign drained at "
              f"{drain['bulk_rate']}/s meanwhile; sandbox throttled {drain['throttled']} sends",
              flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
