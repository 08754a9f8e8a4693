"""Shared fixtures: the real Redis, the local SES sandbox and real Celery worker processes.

A service that cannot be reached fails the test with how to start it; nothing is skipped.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator

import pytest
import redis

from tests.support.workers import WORKER_QUEUES, kill, spawn_worker

REDIS_HINT = (
    "start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' "
    "--appendonly no"
)


@pytest.fixture(autouse=True)
def _queue_mail(settings) -> None:
    """pytest-django swaps in the locmem backend; Mailroom's tests need the real queue."""
    settings.EMAIL_BACKEND = "mailer.queue.EmailBackend"


@pytest.fixture
def redis_client(settings) -> Iterator[redis.Redis]:
    """The test Redis database, emptied before and after the test."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(
            f"Redis is not reachable at {settings.REDIS_URL} ({exc}); {REDIS_HINT}", pytrace=False
        )
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def ses_sandbox(settings) -> Iterator:
    """A local SES endpoint on 127.0.0.1 that boto3 (via django-ses) is pointed at."""
    from mailer import aws
    from mailer.sandbox import SESSandbox

    box = SESSandbox().start()
    settings.AWS_SES_ENDPOINT_URL = box.url
    settings.AWS_SES_REGION_ENDPOINT_URL = box.url
    aws.reset_client()
    yield box
    box.stop()
    aws.reset_client()


@pytest.fixture
def start_worker(
    transactional_db, settings, redis_client, ses_sandbox, tmp_path
) -> Iterator[Callable]:
    """Start real ``celery -A project worker`` processes against the test DB, Redis and sandbox.

    Each is its own process group, killed (SIGKILL) at teardown, before the tables are flushed.
    """
    procs: list[subprocess.Popen] = []

    def start(
        *,
        concurrency: int = 2,
        beat: bool = False,
        env: dict | None = None,
        queues: str = WORKER_QUEUES,
    ) -> subprocess.Popen:
        base = {"REDIS_URL": settings.REDIS_URL, "AWS_SES_ENDPOINT_URL": ses_sandbox.url}
        proc = spawn_worker(
            {**base, **(env or {})},
            tmp_path,
            len(procs),
            concurrency=concurrency,
            beat=beat,
            queues=queues,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        kill(proc)
        proc.log.close()  # type: ignore[attr-defined]


@pytest.fixture
def close_sender_connections() -> Iterator[None]:
    """Afterwards, close each sender thread's connection so the test database can be dropped."""
    from django.db import connections

    from mailer.sending import batch

    yield
    pool = batch._executor.pop(os.getpid(), None)
    if pool is None:
        return
    barrier = threading.Barrier(pool._max_workers)

    def close(_: int) -> None:
        connections.close_all()
        barrier.wait(timeout=10)  # one job per thread

    list(pool.map(close, range(pool._max_workers)))
    pool.shutdown()
