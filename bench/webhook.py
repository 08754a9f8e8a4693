"""Bench: the SNS webhook with Mailroom's receivers on, as deployed, in one run.

Starts the Procfile's ``web`` line (gunicorn, WEB_CONCURRENCY=1: one worker process) and its
``worker`` line (Celery, WORKER_CONCURRENCY=1), then POSTs signed SNS notifications over HTTP:

1. as fast as the web process answers (16 requests in flight): notifications/s accepted per web
   process, and CPU per notification in gunicorn's processes (the request);
2. paced at --rate (default 1,000/s): the time from each hard bounce's POST to the commit of
   its suppression (``processed_at``, the batch's last write before its commit), p50/p99;
   CPU per notification in Celery's processes (the batches) is measured over both phases;
3. a backlog (--backlog, stored without waking the worker, then one wake-up): the batch's CPU
   per notification when batches are full (at a low rate each batch holds a few notifications
   and its fixed cost, about twenty statements, is shared by fewer).

The stream is mostly deliveries, as an account's is: of every 20 notifications 13 deliveries, 2
hard bounces (unique addresses), a transient bounce, a complaint, an open, a click and a send,
all about mail Mailroom recorded as sent in a campaign (links, suppressions, soft-bounce runs
and campaign counters all do their work). Signing happens before the clock starts.

Run by hand against a disposable database whose name contains "bench" (created, migrated and
flushed here) and a Redis database of your own:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/webhook_bench \\
    REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/webhook.py \\
        [--count 3000] [--paced 5000] [--rate 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
FIXTURES = BASE_DIR / "tests" / "fixtures" / "ses"
TOPIC = "arn:aws:sns:us-east-1:123456789012:bench-feedback"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0be4c40000000000.pem"
GOALS = {"accepted": 1000.0, "cpu_ms": 1.5, "p99_s": 5.0}
SENDS = 2000  # campaign emails recorded as sent, which the feedback is about
MIX = (
    ["delivery"] * 7
    + ["event_delivery"] * 6
    + ["hard"] * 2
    + ["soft", "complaint", "open", "click", "send"]
)

sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.base")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/webhook_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
# As in production: DEBUG off (no query log); plain http on 127.0.0.1.
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "BOUNCY_TOPIC_ARN": TOPIC,
    "LOG_LEVEL": "WARNING",
    "WEB_CONCURRENCY": "1",
    "WORKER_CONCURRENCY": "1",
}
os.environ.update({k: v for k, v in SERVER_ENV.items() if k not in ("DEBUG",)})
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402
import psycopg  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from bench.harness import free_port  # noqa: E402

SIGNED = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
TICK = os.sysconf("SC_CLK_TCK")


def ensure_database() -> None:
    """Create the bench database if it is missing; refuse any database not named *bench*."""
    import dj_database_url

    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    if "bench" not in db["NAME"]:
        sys.exit(f"refusing to flush {db['NAME']!r}: use a database whose name contains 'bench'")
    admin = (
        f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} "
        f"user={db['USER']} dbname=postgres"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if not found.fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


# --- the stream ------------------------------------------------------------------------------


def make_signer() -> tuple[rsa.RSAPrivateKey, bytes]:
    """A self-signed RSA certificate valid around now, as SNS's would be."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


def payload(kind: str, i: int) -> tuple[dict, str | None]:
    """An SES document of ``kind`` about a recorded send; the hard-bounced address, if any."""
    files = {
        "delivery": "notification_delivery",
        "event_delivery": "event_delivery",
        "hard": "notification_bounce_permanent_general_with_dsn",
        "soft": "notification_bounce_permanent_general_with_dsn",
        "complaint": "notification_complaint_no_feedback",
        "open": "event_open",
        "click": "event_click",
        "send": "event_send",
    }
    doc = copy.deepcopy(_docs()[files[kind]])
    doc["mail"]["messageId"] = f"bench-{i % SENDS}"
    address = f"user{i % SENDS}@bench.example"
    if kind == "delivery":
        doc["delivery"]["recipients"] = [address]
    if kind in ("hard", "soft"):
        address = f"hard{i}@bench.example" if kind == "hard" else f"soft{i % 200}@bench.example"
        bounce = {"emailAddress": address, "status": "5.1.1" if kind == "hard" else "4.2.2"}
        doc["bounce"]["bouncedRecipients"] = [bounce]
        if kind == "soft":
            doc["bounce"].update(bounceType="Transient", bounceSubType="MailboxFull")
    if kind == "complaint":
        doc["complaint"]["complainedRecipients"] = [{"emailAddress": f"c{i}@bench.example"}]
    return doc, address if kind == "hard" else None


_DOCS: dict[str, dict] = {}


def _docs() -> dict[str, dict]:
    if not _DOCS:
        for path in FIXTURES.glob("awsdoc_*.json"):
            _DOCS[path.stem.removeprefix("awsdoc_")] = json.loads(path.read_text())
    return _DOCS


@dataclass
class Post:
    request: bytes
    sns_id: str
    hard_bounce: str | None


def stream(key: rsa.RSAPrivateKey, count: int, start: int, port: int) -> list[Post]:
    posts = []
    for i in range(start, start + count):
        doc, hard = payload(MIX[i % len(MIX)], i)
        body, sns_id = sign(key, json.dumps(doc), str(1 + i % 2))
        head = (
            f"POST /mail/bouncy/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "x-amz-sns-message-type: Notification\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        posts.append(Post(head.encode() + body, sns_id, hard))
    return posts


def sign(key: rsa.RSAPrivateKey, message: str, version: str) -> tuple[bytes, str]:
    envelope = {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": TOPIC,
        "Subject": "Amazon SES Email Event Notification",
        "Message": message,
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "SignatureVersion": version,
        "SigningCertURL": CERT_URL,
    }
    text = "".join(f"{k}\n{envelope[k]}\n" for k in SIGNED).encode()
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    envelope["Signature"] = base64.b64encode(key.sign(text, padding.PKCS1v15(), algorithm)).decode()
    return json.dumps(envelope).encode(), envelope["MessageId"]


# --- Mailroom's side: sends recorded in a campaign --------------------------------------------


def record_sends() -> None:
    """SENDS campaign emails recorded as sent with SES MessageIds bench-0 … (feedback links)."""
    from post_office.models import STATUS, Email

    from mailer.campaigns.models import Audience, AudienceMember, Campaign, CampaignRecipient
    from mailer.models import Delivery

    now = datetime.now(UTC)
    addresses = [f"user{i}@bench.example" for i in range(SENDS)]
    emails = Email.objects.bulk_create(
        Email(from_email="news@bench.example", to=[a], status=STATUS.sent) for a in addresses
    )
    Delivery.objects.bulk_create(
        Delivery(
            email=e, state="sent", ses_message_id=f"bench-{i}", recipients=[e.to[0]], sent_at=now
        )
        for i, e in enumerate(emails)
    )
    audience = Audience.objects.create(name="bench")
    members = AudienceMember.objects.bulk_create(
        AudienceMember(audience=audience, address=a) for a in addresses
    )
    campaign = Campaign.objects.create(
        name="bench",
        from_email="news@bench.example",
        subject="s",
        text="t",
        audience=audience,
        status="sending",
    )
    CampaignRecipient.objects.bulk_create(
        CampaignRecipient(campaign=campaign, member=m, email=e, state="sent")
        for m, e in zip(members, emails, strict=True)
    )


# --- processes ----------------------------------------------------------------------------------


def procfile(name: str) -> str:
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"no {name} line in the Procfile")


def start(name: str, port: int, log: Path) -> subprocess.Popen:
    """The Procfile's line, run by a shell as a platform would, in its own process group."""
    env = {
        **os.environ,
        **SERVER_ENV,
        "PORT": str(port),
        "PATH": f"{BASE_DIR / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    command = procfile(name).replace("-l info", "-l warning")
    return subprocess.Popen(
        ["sh", "-c", "exec " + command],
        env=env,
        cwd=BASE_DIR,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by every live process of a process group."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("gunicorn did not start (see the log)")


# --- the client -------------------------------------------------------------------------------


async def send(port: int, post: Post) -> float:
    """POST one request; the time it was sent. Fails loudly on anything but 200."""
    sent = time.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(post.request)
    answer = await reader.read()
    writer.close()
    if not answer.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"webhook answered: {answer[:300]!r}")
    return sent


async def flood(port: int, posts: list[Post], in_flight: int = 16) -> None:
    queue = iter(posts)

    async def one_connection() -> None:
        for post in queue:
            await send(port, post)

    await asyncio.gather(*(one_connection() for _ in range(in_flight)))


async def paced(port: int, posts: list[Post], rate: float) -> dict[str, float]:
    """Send at ``rate`` per second; the send time of each hard bounce by SNS MessageId."""
    start = time.monotonic() + 0.05
    limit = asyncio.Semaphore(256)
    sent: dict[str, float] = {}

    async def at(i: int, post: Post) -> None:
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        async with limit:
            when = await send(port, post)
        if post.hard_bounce:
            sent[post.sns_id] = when

    await asyncio.gather(*(at(i, p) for i, p in enumerate(posts)))
    return sent


def wait_until_applied(timeout: float = 120.0) -> None:
    from bouncy import processing

    end = time.monotonic() + timeout
    while processing.pending().exists():
        if time.monotonic() > end:
            raise SystemExit("the feedback batches did not finish")
        time.sleep(0.2)


def from_backlog(key: rsa.RSAPrivateKey, count: int, worker_pgid: int) -> float:
    """Batch CPU per notification when batches are full: ``count`` notifications verified and
    stored here without waking the worker, then one wake-up; Celery's CPU until all applied."""
    from bouncy import pipeline
    from bouncy.signals import stored
    from mailer.sending import wakeup

    bodies = [p.request.split(b"\r\n\r\n", 1)[1] for p in stream(key, count, 10**6, 0)]
    saved = stored.receivers[:]
    stored.receivers.clear()
    stored.sender_receivers_cache.clear()
    try:
        for body in bodies:
            pipeline.process(body)
    finally:
        stored.receivers[:] = saved
        stored.sender_receivers_cache.clear()
    before = group_cpu(worker_pgid)
    wakeup.enqueue_feedback()
    wait_until_applied()
    return (group_cpu(worker_pgid) - before) / count * 1000


# --- the run ----------------------------------------------------------------------------------


def main(args: argparse.Namespace) -> None:
    ensure_database()
    django.setup()
    from django.core.management import call_command

    from bouncy import sns
    from bouncy.models import Notification
    from mailer.models import Unsubscribe
    from mailer.sending import wakeup

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    wakeup.forget_feedback_wakeup()  # no wake-up left waiting from an earlier run
    record_sends()
    key, pem = make_signer()
    sns.cache_certificate(CERT_URL, pem)  # in Redis: the web process finds it there
    port, logs = free_port(), Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))
    flood_posts = stream(key, args.count, 0, port)
    paced_posts = stream(key, args.paced, args.count, port)
    web = start("web", port, logs / "bench_webhook_web.log")
    worker = start("worker", port, logs / "bench_webhook_worker.log")
    try:
        wait_for_port(port)
        asyncio.run(flood(port, flood_posts[:50], 4))  # warm-up: imports, connections, cert
        wait_until_applied()
        web_cpu, batch_cpu, began = group_cpu(web.pid), group_cpu(worker.pid), time.perf_counter()
        asyncio.run(flood(port, flood_posts[50:]))
        elapsed, web_used = time.perf_counter() - began, group_cpu(web.pid) - web_cpu
        accepted = (len(flood_posts) - 50) / elapsed
        paced_web = group_cpu(web.pid)
        sent = asyncio.run(paced(port, paced_posts, args.rate))
        paced_elapsed = time.perf_counter() - began - elapsed
        paced_web = group_cpu(web.pid) - paced_web
        wait_until_applied()
        batch_used = group_cpu(worker.pid) - batch_cpu
        backlog_ms = from_backlog(key, args.backlog, worker.pid)
    finally:
        stop(web)
        stop(worker)
    applied = dict(
        Notification.objects.filter(sns_message_id__in=sent).values_list(
            "sns_message_id", "processed_at"
        )
    )
    latencies = sorted(applied[i].timestamp() - t for i, t in sent.items())
    suppressed = Unsubscribe.objects.filter(address__startswith="hard").count()
    report(args, accepted, web_used, paced_web, batch_used, latencies, suppressed, paced_elapsed)
    print(
        f"batch CPU per notification from a backlog of {args.backlog} (full batches of "
        f"{os.environ.get('MAILROOM_FEEDBACK_BATCH_SIZE', 500)}): {backlog_ms:.2f} ms"
    )
    call_command("flush", interactive=False, verbosity=0)


def report(args, accepted, web_used, paced_web, batch_used, latencies, suppressed, paced_s):
    flooded = args.count - 50
    total = flooded + args.paced
    request_ms = (web_used + paced_web) / total * 1000
    batch_ms = batch_used / total * 1000
    p50, p99 = statistics.median(latencies), latencies[int(0.99 * (len(latencies) - 1))]
    print(
        f"accepted, as fast as one web process answers: {accepted:6.0f}/s "
        f"({flooded} notifications, 16 in flight; the web process busy "
        f"{accepted * web_used / flooded * 100:.0f}% of one CPU meanwhile)"
    )
    print(
        f"CPU per notification: request {request_ms:.2f} ms (gunicorn), batch {batch_ms:.2f} ms "
        f"(Celery), total {request_ms + batch_ms:.2f} ms  ({total} notifications)"
    )
    print(
        f"paced at {args.rate:.0f}/s: {args.paced} sent in {paced_s:.1f} s; POST -> suppression "
        f"committed, {len(latencies)} hard bounces: p50 {p50:.2f} s, p99 {p99:.2f} s, "
        f"max {latencies[-1]:.2f} s; {suppressed} suppressed"
    )
    checks = [
        ("accepted/s", accepted >= GOALS["accepted"], f"{accepted:.0f} >= 1000"),
        (
            "CPU/notification",
            request_ms + batch_ms <= GOALS["cpu_ms"],
            f"{request_ms + batch_ms:.2f} ms <= 1.5 ms",
        ),
        ("p99 POST -> suppressed", p99 < GOALS["p99_s"], f"{p99:.2f} s < 5 s"),
    ]
    for name, met, figure in checks:
        print(f"goal {name}: {'met' if met else 'NOT met'} ({figure})")
    print(
        f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on "
        f"{os.cpu_count()} CPUs, shared with other work (figures drop when it is busy)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="notifications, unpaced")
    parser.add_argument("--paced", type=int, default=5000, help="notifications at --rate")
    parser.add_argument("--rate", type=float, default=1000.0, help="paced notifications/s")
    parser.add_argument("--backlog", type=int, default=2000, help="notifications, applied at once")
    main(parser.parse_args())
