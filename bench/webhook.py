"""Bench: SNS notifications verified and stored per second, in one process, certificate cached.

Run by hand against a disposable database whose name contains "bench" (it is created, migrated
and flushed here):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bouncy_bench \
        .venv/bin/python bench/webhook.py [N]

Every message is one of the 15 AWS-documented SES payloads, wrapped in an SNS Notification and
signed (SignatureVersion 1 and 2 alternately) by a throwaway certificate placed in the cache under
an SNS certificate URL. Signing happens before the clock starts. Mailroom's own ``feedback``
receivers are measured off (bouncy alone) and on (as in production). Goal: >= 300/s
through the HTTP view.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ses"
TOPIC = "arn:aws:sns:us-east-1:123456789012:bench-feedback"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0be4c40000000000.pem"
GOAL = 300.0
ROUNDS = 5

sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.base")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bouncy_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")  # bouncy's own Redis DB
os.environ.setdefault("BOUNCY_TOPIC_ARN", TOPIC)
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402
import psycopg  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

SIGNED = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")


def ensure_database() -> None:
    """Create the bench database if it is missing; refuse any database not named *bench*."""
    import dj_database_url

    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    if "bench" not in db["NAME"]:
        sys.exit(f"refusing to flush {db['NAME']!r}: use a database whose name contains 'bench'")
    admin = (f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} "
             f"user={db['USER']} dbname=postgres")
    if db["PASSWORD"]:
        admin += f" password={db['PASSWORD']}"
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if not found.fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def make_signer() -> tuple[rsa.RSAPrivateKey, bytes]:
    """A self-signed RSA certificate valid around now, as SNS's would be."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


def signed_bodies(key: rsa.RSAPrivateKey, count: int) -> list[bytes]:
    """``count`` distinct signed Notifications cycling through the AWS payloads."""
    payloads = [p.read_text() for p in sorted(FIXTURES.glob("awsdoc_*.json"))]
    return [sign(key, payloads[i % len(payloads)], str(1 + i % 2)) for i in range(count)]


def sign(key: rsa.RSAPrivateKey, message: str, version: str) -> bytes:
    envelope = {
        "Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": TOPIC,
        "Subject": "Amazon SES Email Event Notification", "Message": message,
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "SignatureVersion": version, "SigningCertURL": CERT_URL,
    }
    text = "".join(f"{k}\n{envelope[k]}\n" for k in SIGNED).encode()
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    envelope["Signature"] = base64.b64encode(key.sign(text, padding.PKCS1v15(), algorithm)).decode()
    return json.dumps(envelope).encode()


def rate(label: str, rounds: list[list[bytes]], send: Callable[[bytes], None]) -> float:
    """Send each round of bodies; print the best and median rounds; return the best (per second).

    The best round is the figure least disturbed by whatever else the machine is doing.
    """
    rates, cpu = [], 0.0
    for bodies in rounds:
        start, start_cpu = time.perf_counter(), time.process_time()
        for body in bodies:
            send(body)
        rates.append(len(bodies) / (time.perf_counter() - start))
        cpu += time.process_time() - start_cpu
    total = sum(len(bodies) for bodies in rounds)
    print(f"{label:<36} best {max(rates):5.0f}/s  median {statistics.median(rates):5.0f}/s  "
          f"this process's CPU {cpu / total * 1000:.2f} ms/message  ({total} messages)")
    return max(rates)


def main(count: int) -> None:
    ensure_database()
    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bouncy import pipeline, sns

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    key, pem = make_signer()
    sns.cache_certificate(CERT_URL, pem)
    client = Client(HTTP_HOST="localhost")

    def via_view(body: bytes) -> None:
        response = client.post("/mail/bouncy/", data=body, content_type="text/plain; charset=utf-8")
        assert response.status_code == 200, response.content

    def via_pipeline(body: bytes) -> None:
        assert pipeline.process(body).status in ("stored", "duplicate")

    def rounds(total: int) -> list[list[bytes]]:
        bodies = signed_bodies(key, total)
        size = max(total // ROUNDS, 1)
        return [bodies[i:i + size] for i in range(0, total, size)]

    try:
        with receivers_off():
            alone = rate("HTTP view, bouncy alone", rounds(count), via_view)
            rate("pipeline.process, bouncy alone", rounds(count), via_pipeline)
        full = rate("HTTP view, with Mailroom's receivers", rounds(count), via_view)
        again = rounds(count // 2)
        for body in (b for part in again for b in part):
            via_pipeline(body)
        rate("HTTP view, redeliveries (dedupe)", again, via_view)
    finally:
        call_command("flush", interactive=False, verbosity=0)
    for label, figure in (("bouncy alone", alone), ("with Mailroom's receivers", full)):
        verdict = "met" if figure >= GOAL else "NOT met"
        print(f"goal {GOAL:.0f}/s through the view, {label}: {verdict} ({figure / GOAL:.1f}x)")
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (figures drop when the machine is busy)")


@contextmanager
def receivers_off() -> Iterator[None]:
    """Disconnect every ``feedback`` receiver (mailer's suppression work) for a while."""
    from bouncy.signals import feedback

    saved = feedback.receivers[:]
    feedback.receivers.clear()
    feedback.sender_receivers_cache.clear()
    try:
        yield
    finally:
        feedback.receivers[:] = saved
        feedback.sender_receivers_cache.clear()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
