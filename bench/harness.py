"""Shared set-up for the benchmarks: a scratch database, a sandbox process, a worker process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_QUEUES = "mailroom,mailroom.transactional,mailroom.bulk,mailroom.control"


def bench_env(db_name: str, redis_db: int) -> dict[str, str]:
    """Environment for this process and its children: scratch Postgres DB + Redis DB."""
    return {
        "DJANGO_SETTINGS_MODULE": "project.settings.base",
        "DEBUG": "1",
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{db_name}"
        ),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}"),
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "LOG_LEVEL": "WARNING",
    }


def create_database(url: str) -> None:
    """Create the scratch PostgreSQL database if it is missing."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(env: dict[str, str]) -> None:
    """Point this process at the scratch services, migrate, and start Django."""
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    create_database(env["DATABASE_URL"])
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def sandbox_process(*args: str):
    """The SES sandbox in its own process (so it does not share this one's GIL); yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailer.sandbox", "--port", str(port), "--no-keep-raw", *args],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def wait_for_port(port: int, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def procfile_command(process: str = "worker", **replace: str) -> list[str]:
    """A Procfile line (``worker``, ``beat``, …) as a dyno would run it; ``replace`` swaps
    words (e.g. beat's ``--schedule`` file)."""
    line = next(
        ln
        for ln in (BASE_DIR / "Procfile").read_text().splitlines()
        if ln.startswith(f"{process}:")
    )
    words = line.split(":", 1)[1].split()
    concurrency = os.environ.get("WORKER_CONCURRENCY", "4")
    words = [replace.get(w, w.replace("${WORKER_CONCURRENCY:-4}", concurrency)) for w in words]
    return [sys.executable, "-m", *words] if words[0] == "celery" else words


def procfile_worker_command() -> list[str]:
    """The Procfile's worker line, as a dyno would run it."""
    return procfile_command("worker")


@contextmanager
def worker_process(env: dict[str, str], command: list[str] | None = None, log: Path | None = None):
    """A Celery worker (the Procfile's line by default), killed with its pool at the end;
    its output goes to ``log`` if given."""
    out = log.open("ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        command or procfile_worker_command(),
        cwd=BASE_DIR,
        env={**os.environ, **env},
        stdout=out,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if log:
            out.close()


def wait_for(predicate, timeout: float, poll: float = 0.05) -> float:
    """Seconds until ``predicate()`` is true; RuntimeError after ``timeout``."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise RuntimeError("timed out")
        time.sleep(poll)
    return time.monotonic() - start
